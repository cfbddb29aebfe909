import { join } from 'node:path';
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import { type TrayAction, type TrayState, trayIcon, trayMenu, trayTooltip } from './shell/tray-model.js';

export const RESOURCES = join(import.meta.dirname, '..', '..', 'resources');

/** The Electron side of the tray: draws a TrayState and maps menu clicks to actions. */
export function createTray(onAction: (action: TrayAction) => void): { render(state: TrayState): void; destroy(): void } {
  const tray = new Tray(nativeImage.createFromPath(join(RESOURCES, 'tray-running.png')));
  tray.on('click', () => onAction('open'));
  return {
    render(state) {
      tray.setImage(nativeImage.createFromPath(join(RESOURCES, `tray-${trayIcon(state)}.png`)));
      tray.setToolTip(trayTooltip(state));
      const items: MenuItemConstructorOptions[] = trayMenu(state).map((item) => {
        if (item.type === 'separator') return { type: 'separator' };
        const click = item.action ? () => onAction(item.action as TrayAction) : undefined;
        if (item.type === 'checkbox') return { type: 'checkbox', label: item.label, checked: item.checked, click };
        return { label: item.label, enabled: item.enabled, click };
      });
      tray.setContextMenu(Menu.buildFromTemplate(items));
    },
    destroy: () => tray.destroy(),
  };
}
