/**
 * What the commands check before anything is queued or a slot starts: the trainer
 * file (exists, is a .py file, compiles with the Python that will run it), the
 * engine and --trainer going together, a run's engine agreeing with its task, and
 * the engine factory's probe.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TRAINER_ENV,
  checkScriptRun,
  prepareRunTrainer,
  prepareTrainer,
  readTrainerFile,
  scriptEngineFactory,
} from '../../../src/engines/script/index.js';
import { parseTask } from '../../../src/task/task.js';

const dir = mkdtempSync(path.join(tmpdir(), 'blockqnn-trainer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const GOOD = 'import blockqnn_trial\ntrial = blockqnn_trial.current()\ntrial.report_final(0.5)\n';
const classification = (trainer?: string) =>
  parseTask({ kind: 'classification', dataset: { name: 'mnist' }, recipe: {}, ...(trainer ? { trainer: { sha256: trainer } } : {}) });

describe('the trainer file', () => {
  it('is read with its sha-256 and absolute path', () => {
    const file = write('good.py', GOOD);
    const trainer = readTrainerFile(path.relative(process.cwd(), file));
    expect(trainer).toEqual({ path: file, sha256: createHash('sha256').update(GOOD).digest('hex'), bytes: GOOD.length });
  });

  it('that is missing, a folder or not Python is refused naming the path and the fix', () => {
    expect(() => readTrainerFile(path.join(dir, 'nope.py'))).toThrow(
      expect.objectContaining({
        code: 'NOT_FOUND',
        message: `trainer ${path.join(dir, 'nope.py')} does not exist`,
        hint: expect.stringContaining('--trainer'),
      }),
    );
    mkdirSync(path.join(dir, 'folder.py'));
    expect(() => readTrainerFile(path.join(dir, 'folder.py'))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/folder\.py is not a file$/) }),
    );
    expect(() => readTrainerFile(write('train.sh', 'echo hi\n'))).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/train\.sh is not a Python script \(\.py\)$/) }),
    );
  });
});

describe('prepareTrainer: --engine script and --trainer go together', () => {
  it('returns the checked trainer for the script engine, from the flag or BLOCKQNN_TRAINER', async () => {
    const file = write('ok.py', GOOD);
    expect((await prepareTrainer('script', file, {}))!.path).toBe(file);
    expect((await prepareTrainer('script', undefined, { [TRAINER_ENV]: file }))!.path).toBe(file);
    expect(await prepareTrainer('torch', undefined, {})).toBeUndefined();
  });

  it('refuses the script engine without a trainer, and a trainer with another engine', async () => {
    await expect(prepareTrainer('script', undefined, {})).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('--engine script needs the training script to run: --trainer PATH'),
    });
    await expect(prepareTrainer('torch', write('x.py', GOOD), {})).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('this command uses engine "torch"'),
      hint: expect.stringContaining('--engine script'),
    });
  });

  it("refuses a trainer that does not compile, with Python's own words", async () => {
    const broken = write('broken.py', 'import blockqnn_trial\ndef main(:\n    pass\n');
    await expect(prepareTrainer('script', broken, {})).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^trainer .*broken\.py cannot run: SyntaxError: /),
      hint: expect.stringContaining('line 2'),
    });
    await expect(prepareTrainer('script', write('fine.py', GOOD), { BLOCKQNN_PYTHON: '/nonexistent/python3' })).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/^no Python to run trainer .*fine\.py \(tried \/nonexistent\/python3\)$/),
    });
    const binary = write('binary.py', '\u0000\u0001\u0002ELF');
    await expect(prepareTrainer('script', binary, {})).rejects.toMatchObject({
      message: expect.stringMatching(/binary\.py cannot run: .*null bytes/),
    });
  });

  it('on resume, wants the very file the run was started with', async () => {
    const file = write('resume.py', GOOD);
    const sha = readTrainerFile(file).sha256;
    expect((await prepareRunTrainer('script', classification(sha), file, {}))!.sha256).toBe(sha);
    const edited = write('resume-edited.py', `${GOOD}# tuned\n`);
    await expect(prepareRunTrainer('script', classification(sha), edited, {})).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(new RegExp(`but the run was started with a trainer whose sha256 is ${sha}$`)),
    });
    await expect(prepareRunTrainer('script', classification(sha), undefined, {})).rejects.toMatchObject({
      message: `the run's engine is "script": its local worker slots need the training script it was started with (sha256 ${sha})`,
      hint: expect.stringContaining('--trainer PATH'),
    });
    expect(await prepareRunTrainer('torch', classification(), undefined, {})).toBeUndefined();
  });
});

describe('checkScriptRun: every way of creating a run', () => {
  const sha = 'a'.repeat(64);
  it('accepts the script engine with a trainer, and other engines without one', () => {
    expect(() => checkScriptRun('script', classification(sha))).not.toThrow();
    expect(() => checkScriptRun('torch', classification())).not.toThrow();
  });

  it('refuses the script engine without a trainer or on a task it cannot train, and a trainer on another engine', () => {
    expect(() => checkScriptRun('script', classification())).toThrow(/needs its training script: --trainer PATH/);
    expect(() => checkScriptRun('script', parseTask({ kind: 'lookup', table: 't.csv', fitness: 'acc' }))).toThrow(
      /trains image classifiers; this run's task is a lookup table/,
    );
    expect(() => checkScriptRun('tfjs', classification(sha))).toThrow(/only the script engine runs; this run uses engine "tfjs"/);
  });
});

describe('the script engine factory', () => {
  it('is unavailable without a trainer, naming the flag; available with one', async () => {
    const saved = process.env[TRAINER_ENV];
    try {
      delete process.env[TRAINER_ENV];
      expect(await scriptEngineFactory.probe()).toMatchObject({
        available: false,
        reason: expect.stringContaining('no trainer'),
        install: expect.stringContaining('--trainer PATH'),
      });
      await expect(scriptEngineFactory.create()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
      process.env[TRAINER_ENV] = path.join(dir, 'gone.py');
      expect(await scriptEngineFactory.probe()).toMatchObject({
        available: false,
        reason: expect.stringContaining('gone.py does not exist'),
      });
      process.env[TRAINER_ENV] = write('probe.py', GOOD);
      expect(await scriptEngineFactory.probe()).toMatchObject({
        available: true,
        reason: expect.stringMatching(/^trainer .*probe\.py \(sha256 [0-9a-f]{12}\) run by .* has torch /),
      });
      expect((await scriptEngineFactory.create()).describe()).toMatch(/^script probe\.py /);
    } finally {
      if (saved === undefined) delete process.env[TRAINER_ENV];
      else process.env[TRAINER_ENV] = saved;
    }
  });
});
