import { readFileSync } from 'node:fs';
import Module from 'node:module';
import type { CompilerOptions } from 'typescript';

type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): void };
type ExtensionHandler = (module: CompilingModule, filename: string) => void;

let registered = false;

/**
 * Lets `require` load `.ts` files through TypeScript's own `transpileModule` (no type check,
 * no build step). Needs the `typescript` package, loaded only when a `.ts` module is asked for.
 * Idempotent.
 */
export async function registerTypeScript(): Promise<void> {
  if (registered) return;
  let ts: typeof import('typescript');
  try {
    ts = await import('typescript');
  } catch {
    throw new Error(
      'loading a .ts module needs the "typescript" package: npm install --save-dev typescript',
    );
  }
  // Transpile-only: CommonJS, and decorator metadata kept (esbuild and tsx drop it).
  const compilerOptions: CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    inlineSourceMap: true,
    inlineSources: true,
  };
  const extensions = (Module as unknown as { _extensions?: Record<string, ExtensionHandler> })
    ._extensions;
  if (!extensions) return;
  const compile: ExtensionHandler = (module, filename) => {
    const source = readFileSync(filename, 'utf8');
    const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions });
    module._compile(outputText, filename);
  };
  extensions['.ts'] = compile;
  extensions['.cts'] = compile;
  // Stack traces then point at the .ts lines, through the inline source maps.
  process.setSourceMapsEnabled(true);
  registered = true;
}
