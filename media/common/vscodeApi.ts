// The webview's end of VS Code's message channel, typed by each view's protocol (src/shared/webviews/).

export interface VsCodeApi<Message> {
  postMessage(message: Message): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown>;

/** VS Code allows one call per page: each view's entry calls this once, when it loads. */
export function vsCodeApi<Message>(): VsCodeApi<Message> {
  return acquireVsCodeApi() as VsCodeApi<Message>;
}
