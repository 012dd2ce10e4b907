import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATIONS_PAGE, settingsTable, tableIn } from '../../scripts/settings-table.ts';
import { helpText, parseCommandLine } from '../cli/args.ts';
import { readConfig } from '../cli/config.ts';
import { SETTINGS } from '../cli/settings.ts';

/** The config the command would run with, from `argv` and `env`. */
function configOf(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = parseCommandLine(argv);
  if (command.help) throw new Error('asked for help');
  return readConfig(env, command.flags);
}

describe('the webrtc-rooms command line', () => {
  it('reads flags with a value, yes/no flags and their --no- forms', () => {
    const config = configOf([
      '--port',
      '9000',
      '--host=127.0.0.1',
      '--client-log',
      '--no-metrics',
      '--allowed-origins',
      'https://a.example,https://b.example',
      '--rate-message-per-second',
      '2.5',
      '--recovery-seconds',
      '0',
    ]);
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      clientLog: true,
      metrics: false,
      recoveryWindowMs: 0,
      rateLimits: { message: { burst: 100, perSecond: 2.5 } },
      access: { allowedOrigins: ['https://a.example', 'https://b.example'] },
    });
  });

  it('lets a flag win over its environment variable, and keeps the variables it does not set', () => {
    const env = { PORT: '7000', SIGNALING_METRICS: '0', ROOM_CAPACITY: '3' };
    expect(configOf(['--port', '9000', '--metrics'], env)).toMatchObject({
      port: 9000,
      metrics: true,
      roomCapacity: 3,
    });
    expect(configOf([], env)).toMatchObject({ port: 7000, metrics: false });
  });

  it('names the flag to fix when its value is out of range', () => {
    expect(() => configOf(['--port', '70000'])).toThrow(/--port=70000 is not a number from 0/);
    expect(() => configOf(['--room-capacity', '2.5'])).toThrow(
      /--room-capacity=2.5 is not a whole/,
    );
    expect(() => configOf(['--room-capacity', '1'])).toThrow(
      /--room-capacity=1 is not a number from 2 to 1000/,
    );
  });

  it('refuses unknown flags, stray arguments and a flag without its value', () => {
    expect(() => parseCommandLine(['--prot', '8080'])).toThrow(/--prot/);
    expect(() => parseCommandLine(['8080'])).toThrow(/8080/);
    expect(() => parseCommandLine(['--port'])).toThrow(/--port/);
    expect(() => parseCommandLine(['--metrics=0'])).toThrow(/--metrics/);
  });

  it('asks for the help with -h or --help, whatever else is given', () => {
    expect(parseCommandLine(['--help'])).toEqual({ help: true });
    expect(parseCommandLine(['--port', '1', '-h'])).toEqual({ help: true });
  });

  it('--help lists every setting with its flag, variable, default and meaning', () => {
    const lines = helpText().split('\n');
    for (const setting of Object.values(SETTINGS)) {
      const row = lines.findIndex((line) => line.trim().split(' ')[0] === `--${setting.flag}`);
      expect(row, setting.flag).toBeGreaterThan(-1);
      expect(lines[row]).toContain(setting.env);
      expect(lines[row + 1]?.trim()).toBe(setting.description);
    }
    expect(helpText()).toMatch(/--port <n> +PORT +8080\n +port to listen on/);
    expect(helpText()).toMatch(/--metrics +SIGNALING_METRICS +on\n/);
    expect(helpText()).toMatch(/--turn-ttl <n> +TURN_TTL +600\n/);
    // A rate below one a second reads as a period, not as 0.016666666666666666.
    expect(helpText()).toMatch(/RATE_PIN_ROOM_PER_SECOND +0\.0167 \(1 per 60 s\)\n/);
  });

  it('is the table docs/operations.md shows, row for row as --help prints it', () => {
    const page = readFileSync(OPERATIONS_PAGE, 'utf8');
    // Out of date: `npm run docs:settings` writes it again.
    expect(tableIn(page)).toBe(settingsTable());
    const help = helpText().split('\n');
    const cells = (line: string) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim());
    const rows = (tableIn(page) ?? '').split('\n').slice(2).map(cells);
    expect(rows).toHaveLength(Object.keys(SETTINGS).length);
    const unquoted = (cell = '') => cell.replace(/^`(.*)`$/, '$1');
    for (const [quotedFlag, quotedEnv, shown, meaning] of rows) {
      const [flag, env] = [unquoted(quotedFlag), unquoted(quotedEnv)];
      const at = help.findIndex((line) => line.trim().startsWith(`${flag}  `));
      expect(at, flag).toBeGreaterThan(-1);
      expect(help[at]?.trim().split(/ {2,}/)).toEqual([flag, env, shown]);
      expect(help[at + 1]?.trim()).toBe(meaning);
    }
  });
});
