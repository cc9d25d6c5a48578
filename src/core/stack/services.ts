// The monitoring stack's services, named as stack/docker-compose.yml names them. The settings validate
// optivolt.stack.services, .images and .ports against this list, and the stack starts all of it by default.

export const STACK_SERVICES = ['scaphandre', 'prometheus', 'grafana', 'node-exporter', 'cadvisor'] as const;
export type StackService = (typeof STACK_SERVICES)[number];

export function isStackService(name: string): name is StackService {
  return (STACK_SERVICES as readonly string[]).includes(name);
}
