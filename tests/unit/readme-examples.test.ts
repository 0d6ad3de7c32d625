/** The README's testing example is a test file; this keeps the two identical. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

describe('README', () => {
  it('shows tests/integration/readme-testing-example.test.ts verbatim', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Testing your controllers'));
    const block = /```ts\n([^]*?)```/.exec(section)?.[1];
    const example = readFileSync(
      resolve(ROOT, 'tests/integration/readme-testing-example.test.ts'),
      'utf8',
    );
    expect(block).toBe(example);
  });
});
