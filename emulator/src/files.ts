/**
 * Files on the emulator page: the picker that sends an office's XLSX as the platform's file message (through the
 * app's real signed callback, like a photo), and a received file (an export) shown as a download link. Kept apart
 * from main.ts and conversation.ts so the page's other work does not collide with it.
 */
import { h } from './dom.js';

/** the router's limit for a file sent from the page (base64 in a JSON body) */
export const MAX_PAGE_FILE_BYTES = 5 * 1024 * 1024;

/** a file as a chat bubble: its name, and a download link when the bytes are known */
export function fileBubble(name: string, dataUrl?: string): HTMLElement {
  const icon = h('span', { class: 'file-icon', 'aria-hidden': 'true' }, '📄');
  const label = dataUrl
    ? h('a', { href: dataUrl, download: name, 'data-testid': 'file-link' }, name)
    : h('span', {}, name);
  return h('div', { class: 'bubble file', 'data-testid': 'file' }, icon, ' ', label);
}

/**
 * A 文件 button and its hidden input; `onPick` gets the chosen file's name and bytes (base64), or an error text
 * when it is too large or unreadable.
 */
export function filePicker(onPick: (name: string, base64: string) => void, onError: (text: string) => void) {
  const input = h('input', {
    type: 'file',
    accept: '.xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv',
    hidden: true,
    'data-testid': 'file-input',
  }) as HTMLInputElement;
  const button = h('button', { type: 'button', class: 'icon', title: '发送文件', 'data-testid': 'send-file' }, '文件');
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_PAGE_FILE_BYTES) {
      onError(`文件超过 ${MAX_PAGE_FILE_BYTES / 1024 / 1024} MB，模拟器不发送`);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      onPick(file.name, url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => onError('读不出这个文件');
    reader.readAsDataURL(file);
  });
  return { button, input };
}
