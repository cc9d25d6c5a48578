// The words a message uses for a choice the user can change: the extension names its settings, the CLI its flags.
// Core builds messages for both, so each surface passes its own vocabulary (issue 19: the CLI said
// "optivolt.stack.ports" to people who never saw a settings editor).

export type OptionKey = 'ports' | 'images' | 'pull' | 'powerExporter' | 'exporterPort' | 'services' | 'bind';

export interface OptionNames {
  /** The option, or the option set to `value`, as this surface writes it. */
  option(key: OptionKey, value?: string): string;
}

export const SETTING_NAMES: OptionNames = {
  option: (key, value) => (value === undefined ? `optivolt.stack.${key}` : `optivolt.stack.${key} = ${value}`),
};

const FLAGS: Record<OptionKey, string> = {
  ports: '--port SERVICE=PORT',
  images: '--image SERVICE=IMAGE',
  pull: '--pull',
  powerExporter: '--power-exporter',
  exporterPort: '--exporter-port',
  services: '--services',
  bind: '--bind',
};

export const CLI_FLAGS: OptionNames = {
  option: (key, value) => (value === undefined ? FLAGS[key] : `${FLAGS[key].split(' ')[0]} ${value}`),
};

/** `optivolt.stack.powerExporter` → `--power-exporter`, for messages from the shared settings reader. */
export function flagOfSetting(settingKey: string): string | undefined {
  const key = /^optivolt\.stack\.(\w+)$/.exec(settingKey)?.[1] as OptionKey | undefined;
  return key && key in FLAGS ? FLAGS[key].split(' ')[0] : undefined;
}
