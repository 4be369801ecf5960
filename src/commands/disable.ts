import { defineCommand } from './definition.js';

/** `datalayer disable`: comments out the data-layer block of `.env` (persistence off, data kept). */
export const disableCommand = defineCommand({
  name: 'disable',
  description: 'comment out the data-layer block of .env (persistence off)',
  options: {},
  lock: {},
  examples: ['datalayer disable'],
  load: async () => {
    const { renderSwitch, switchDataLayer } = await import('./data-layer-switch/run.js');
    return { run: (_options, context) => switchDataLayer(context, 'disable'), render: (result, style) => renderSwitch('disable', result, style) };
  },
});
