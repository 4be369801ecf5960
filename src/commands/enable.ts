import { defineCommand } from './definition.js';

/** `datalayer enable`: uncomments the data-layer block of `.env`. */
export const enableCommand = defineCommand({
  name: 'enable',
  description: 'uncomment the data-layer block of .env',
  options: {},
  lock: {},
  examples: ['datalayer enable'],
  load: async () => {
    const { renderSwitch, switchDataLayer } = await import('./data-layer-switch/run.js');
    return { run: (_options, context) => switchDataLayer(context, 'enable'), render: (result, style) => renderSwitch('enable', result, style) };
  },
});
