import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/** samples/chat/template.yaml, the chat's SAM template. */
export const CHAT_TEMPLATE = resolve(__dirname, '../../samples/chat/template.yaml');

/** Every CloudFormation short-form tag as the long form, so the template parses as data. */
const cloudFormationTags = ['Ref', 'GetAtt', 'Sub', 'If', 'Equals', 'Not', 'Or', 'And'].flatMap(
  (name) => {
    const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
    return [
      { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
      {
        tag: `!${name}`,
        collection: 'seq' as const,
        resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }),
      },
    ];
  },
);

/** The chat's template as data, typed by the caller for the parts it reads. */
export function readChatTemplate<T>(): T {
  return parse(readFileSync(CHAT_TEMPLATE, 'utf8'), { customTags: cloudFormationTags }) as T;
}

/** A function's CodeUri (else the Globals one) as an absolute folder, as SAM resolves it. */
export function chatCodeUri(functionCodeUri?: string, globalCodeUri?: string): string {
  return resolve(dirname(CHAT_TEMPLATE), functionCodeUri ?? globalCodeUri ?? '.');
}
