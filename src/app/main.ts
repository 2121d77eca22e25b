/** The production entry: `node dist/app/main.js` (the image's command). See ./production.ts. */
import { exitOnError, runProduction } from './production.js';

runProduction().catch(exitOnError);
