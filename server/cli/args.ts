import { parseArgs } from 'node:util';
import { SETTINGS, type Setting } from './settings.ts';

/** What the command line asks for: the help, or a server with these settings. */
export type CommandLine =
  | { help: true }
  | {
      help: false;
      /** The flags given, as raw text by environment variable name, for `readConfig`. */
      flags: Record<string, string>;
    };

const settings: readonly Setting[] = Object.values(SETTINGS);

/**
 * Parses the `webrtc-rooms` command's arguments: one `--flag` per setting (a yes/no setting also
 * has `--no-flag`), and `-h`/`--help`. Throws on an unknown flag or a missing value.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const setting of settings) {
    options[setting.flag] = { type: setting.type === 'boolean' ? 'boolean' : 'string' };
  }
  const { values } = parseArgs({
    args: [...argv],
    options,
    strict: true,
    allowPositionals: false,
    allowNegative: true,
  });
  if (values.help === true) return { help: true };
  const flags: Record<string, string> = {};
  for (const setting of settings) {
    const value = values[setting.flag];
    if (typeof value === 'boolean') flags[setting.env] = value ? '1' : '0';
    else if (typeof value === 'string') flags[setting.env] = value;
  }
  return { help: false, flags };
}

function placeholder(setting: Setting): string {
  switch (setting.type) {
    case 'boolean':
      return '';
    case 'list':
      return ' <a,b>';
    case 'text':
      return setting.env.endsWith('_URL') ? ' <url>' : ' <text>';
    default:
      return ' <n>';
  }
}

function shownDefault(setting: Setting): string {
  if (setting.shown !== undefined) return setting.shown;
  if (setting.type === 'boolean') return setting.default ? 'on' : 'off';
  if (setting.type === 'integer' || setting.type === 'number') return shownNumber(setting.default);
  return 'none';
}

/** A default as people read it: `0.0167 (1 per 60 s)`, not `0.016666666666666666`. */
function shownNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const short = String(Number(value.toPrecision(3)));
  return value < 1 ? `${short} (1 per ${Math.round(1 / value)} s)` : short;
}

/** One setting as `--help` and docs/operations.md show it. */
export interface SettingRow {
  /** The flag with its placeholder: `--port <n>`. */
  flag: string;
  env: string;
  /** The default as people read it: `8080`, `off`, `0.0167 (1 per 60 s)`. */
  shown: string;
  description: string;
}

/** Every setting, in the order of {@link SETTINGS}: the one source of `--help` and the docs' table. */
export function settingRows(): SettingRow[] {
  return settings.map((setting) => ({
    flag: `--${setting.flag}${placeholder(setting)}`,
    env: setting.env,
    shown: shownDefault(setting),
    description: setting.description,
  }));
}

/** The `--help` text: every setting with its flag, environment variable, default and meaning. */
export function helpText(): string {
  const rows = settingRows().map((row) => [row.flag, row.env, row.shown, row.description]);
  const header = ['FLAG', 'ENVIRONMENT', 'DEFAULT'];
  const width = (column: number) =>
    Math.max(...[header, ...rows].map((row) => row[column]?.length ?? 0));
  const [flagWidth, envWidth] = [width(0), width(1)];
  const line = (cells: string[]) =>
    `  ${cells[0]?.padEnd(flagWidth)}  ${cells[1]?.padEnd(envWidth)}  ${cells[2]}`.trimEnd();
  return [
    'Usage: webrtc-rooms [options]',
    '',
    'Serves the WebRTC rooms app and its signaling (Socket.IO) from one Node http server.',
    'Each setting is a flag or an environment variable; a flag wins over its variable.',
    'A yes/no flag turns its setting on and --no-<flag> off; a yes/no variable takes 1 or 0.',
    '',
    line(header),
    ...rows.flatMap((row) => [line(row), `      ${row[3]}`]),
    '',
    '  -h, --help  print this help',
    '',
    'GET /healthz answers { status, connections, rooms }; SIGTERM drains within 5 s.',
  ].join('\n');
}
