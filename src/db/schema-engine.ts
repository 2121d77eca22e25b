/**
 * Prisma's schema engine as WebAssembly: the native engine cannot be downloaded on these machines, and the
 * wasm build does migrations through the same driver adapter the app queries with (../shared/PRISMA.md).
 * Its entry file imports the .wasm as an ES module, which Node 20 refuses, so it is instantiated by hand.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';

// Node has WebAssembly; TypeScript declares it only with the DOM lib, which a server must not pull in.
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
};

let loaded: Promise<void> | null = null;

function load(): Promise<void> {
  loaded ??= (async () => {
    const wasmPath = createRequire(import.meta.url)
      .resolve('@prisma/schema-engine-wasm/schema_engine_bg')
      .replace(/\.js$/, '.wasm');
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  })();
  return loaded;
}

export type { SchemaEngine };

export interface OpenEngine {
  engine: SchemaEngine;
  /** frees the engine and closes its connections: on SQLite it holds an EXCLUSIVE lock until then */
  close(): Promise<void>;
}

export async function openSchemaEngine(
  schemaText: string,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void = () => {},
): Promise<OpenEngine> {
  await load();
  const opened: { dispose(): Promise<void> }[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    async connect() {
      const a = await adapterFactory.connect();
      opened.push(a);
      return a;
    },
    async connectToShadowDb() {
      const a = await adapterFactory.connectToShadowDb();
      opened.push(a);
      return a;
    },
  };
  const engine: SchemaEngine = await bg.SchemaEngine.new(
    { datamodels: [['schema.prisma', schemaText]] },
    (msg: string) => log(msg),
    bindMigrationAwareSqlAdapterFactory(tracking),
  );
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
    },
  };
}

export const noFilters = { externalTables: [] as string[], externalEnums: [] as string[] };
