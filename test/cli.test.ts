// The wasm-vae command, run as a user would (the built dist/src/cli.js in a child process).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pngjs from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR } from './helpers.js';

const CLI = new URL('../dist/src/cli.js', import.meta.url).pathname;

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args],
      { env: { ...process.env, WASM_VAE_DATA: '', WASM_VAE_MIRRORS: 'http://127.0.0.1:9/', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const small = ['--data', DATA_DIR, '--hidden', '64', '--latent', '2', '--limit', '3000', '--batch-size', '100', '--workers', '2'];
let out = '';

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'wasm-vae-cli-'));
});

describe('wasm-vae command', () => {
  it('train writes the model, checkpoint, history and every picture; --json prints one object per epoch and a final one', async () => {
    const r = await run(['train', ...small, '--epochs', '2', '--out', join(out, 'a'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['epoch', 'epoch', 'final']);
    expect(lines[1].valLoss).toBeLessThan(lines[0].loss);
    const files = (await readdir(join(out, 'a'))).sort();
    expect(files).toEqual(['checkpoint.safetensors', 'history.json', 'latent.svg', 'loss.svg', 'manifold.png', 'model.safetensors', 'reconstructions.png', 'samples.png']);
    for (const f of files.filter((name) => name.endsWith('.png'))) {
      const png = pngjs.PNG.sync.read(Buffer.from(await readFile(join(out, 'a', f))));
      expect(png.width * png.height, f).toBeGreaterThan(10_000);
    }
    const loss = await readFile(join(out, 'a', 'loss.svg'), 'utf8');
    for (const label of ['Negative ELBO (loss)', 'Reconstruction term', 'train (each batch)', 'test (epoch end)', '>epoch<']) expect(loss).toContain(label);
    expect(await readFile(join(out, 'a', 'latent.svg'), 'utf8')).toMatch(/z₁ \(posterior mean\)/); // latent 2: the plane itself
    expect(JSON.parse(await readFile(join(out, 'a', 'history.json'), 'utf8')).epochs.length).toBe(2);
  });

  it('--resume continues from the checkpoint to exactly the parameters of an uninterrupted run', async () => {
    expect((await run(['train', ...small, '--epochs', '1', '--out', join(out, 'b'), '--json'])).code).toBe(0);
    const resumed = await run(['train', ...small, '--epochs', '2', '--out', join(out, 'b'), '--resume', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['epoch', 'final']);
    const [a, b] = await Promise.all([readFile(join(out, 'a', 'model.safetensors')), readFile(join(out, 'b', 'model.safetensors'))]);
    // Same parameters to the bit; the metadata differs in nothing either (same epoch and step count).
    expect(Buffer.compare(a, b)).toBe(0);
    const history = JSON.parse(await readFile(join(out, 'b', 'history.json'), 'utf8'));
    expect(history.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    const history2 = JSON.parse(await readFile(join(out, 'a', 'history.json'), 'utf8'));
    expect(history2.config).toMatchObject({ inputDim: 784, hidden: [64], latentDim: 2 });
    expect(history2.runtime).toMatchObject({ workers: 2, simd: true });
    expect(history2.test.loss).toBeGreaterThan(0);
    expect(history2.command).toMatch(/^wasm-vae train --data/);
    // A used --out is refused without --force (old and new files would mix); --force replaces the run.
    const again = await run(['train', ...small, '--epochs', '1', '--out', join(out, 'b')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run .*--resume to continue it, --force to replace it/);
    const mismatch = await run(['train', ...small, '--latent', '3', '--epochs', '3', '--out', join(out, 'b'), '--resume']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/--resume: .* was trained with .*but the flags give/);
  });

  it('Ctrl-C part-way through an epoch writes a checkpoint, exits 130, and --resume reaches the uninterrupted parameters byte for byte', async () => {
    const flags = ['--data', DATA_DIR, '--hidden', '128', '--latent', '2', '--batch-size', '100', '--workers', '2', '--epochs', '3', '--json'];
    expect((await run(['train', ...flags, '--out', join(out, 'whole')])).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'train', ...flags, '--out', join(out, 'cut')],
      { env: { ...process.env, WASM_VAE_DATA: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // 0.3 s into the second epoch (each takes 1–3 s here).
      if (stdout.includes('"type":"epoch"') && !child.killed) setTimeout(() => child.kill('SIGINT'), 300);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted at epoch 2, step \d+; checkpoint written to .*checkpoint.safetensors\ncontinue with: wasm-vae train .* --resume/);
    const info = JSON.parse((await run(['info', join(out, 'cut', 'checkpoint.safetensors'), '--json'])).stdout);
    console.log(`SIGINT test: interrupted at epoch ${info.progress.epoch + 1}, step ${info.progress.step} (600 steps per epoch)`);
    const resumed = await run(['train', ...flags, '--out', join(out, 'cut'), '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [a, b] = await Promise.all([readFile(join(out, 'whole', 'model.safetensors')), readFile(join(out, 'cut', 'model.safetensors'))]);
    expect(Buffer.compare(a, b)).toBe(0);
    const history = JSON.parse(await readFile(join(out, 'cut', 'history.json'), 'utf8'));
    expect(history.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('a diverging --resume is refused without --allow-changes, then stops with one line and leaves every file as it was', async () => {
    const dir = join(out, 'diverge');
    expect((await run(['train', ...small, '--epochs', '1', '--out', dir])).code).toBe(0);
    const before = await Promise.all(['checkpoint.safetensors', 'model.safetensors', 'history.json'].map((f) => readFile(join(dir, f))));
    const refused = await run(['train', ...small, '--epochs', '3', '--out', dir, '--resume', '--lr', '100']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^wasm-vae train: --resume: .* was trained with --lr 0.001, but the flags give --lr 100; pass --allow-changes/);
    const r = await run(['train', ...small, '--epochs', '3', '--out', dir, '--resume', '--lr', '100', '--allow-changes']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^wasm-vae train: training diverged at epoch 2, batch \d+ \(the (loss|gradient) is not finite\); .*checkpoint.safetensors still holds epoch 1; try a smaller --lr \(this run: 100\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const after = await Promise.all(['checkpoint.safetensors', 'model.safetensors', 'history.json'].map((f) => readFile(join(dir, f))));
    after.forEach((bytes, i) => expect(Buffer.compare(bytes, before[i]), String(i)).toBe(0));
  });

  it('schedule flags: β warm-up and step decay show in history.json per epoch; a bad schedule is a usage error', async () => {
    const r = await run(['train', ...small, '--epochs', '3', '--out', join(out, 'sched'), '--beta-warmup', '2', '--lr-schedule', 'step:1:0.5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const h = JSON.parse(await readFile(join(out, 'sched', 'history.json'), 'utf8'));
    expect(h.epochs.map((e: { learningRate: number }) => e.learningRate)).toEqual([0.001, 0.0005, 0.00025]);
    // β at each epoch's last step (30 steps per epoch): position (epoch + 29/30) / 2, then 1.
    h.epochs.forEach((e: { beta: number }, i: number) => expect(e.beta).toBeCloseTo(Math.min(1, (i + 29 / 30) / 2), 12));
    const bad = await run(['train', ...small, '--lr-schedule', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lr-schedule must be constant, step:EVERY:GAMMA/);
  });

  it('--conditional trains a CVAE: samples.png has one row per digit, sample --label draws one digit, labels go to eval', async () => {
    const r = await run(['train', ...small, '--epochs', '1', '--out', join(out, 'cvae'), '--conditional', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const png = pngjs.PNG.sync.read(Buffer.from(await readFile(join(out, 'cvae', 'samples.png'))));
    expect(png.height).toBe(2 * (10 * 28 + 11 * 2)); // 10 rows: one per digit
    const model = join(out, 'cvae', 'model.safetensors');
    expect((await run(['sample', '--model', model, '--label', '7', '--n', '9', '--out', join(out, 'seven.png')])).code).toBe(0);
    const e = await run(['eval', '--model', model, '--data', DATA_DIR, '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).loss).toBeGreaterThan(0);
    const bad = await run(['sample', '--model', join(out, 'a', 'model.safetensors'), '--label', '7', '--out', join(out, 'x.png')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--label: .* is not a conditional model/);
    expect((await run(['sample', '--model', model, '--label', '10', '--out', join(out, 'x.png')])).code).toBe(2);
  });

  it('info prints the architecture, the parameter count and the training progress', async () => {
    const r = await run(['info', join(out, 'a', 'model.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/encoder\.0 +dense +784 → 64 +relu +50,240/);
    expect(r.stdout).toMatch(/encoder\.2 +dense +64 → 4 +none: \[μ \| log σ²\]/);
    expect(r.stdout).toMatch(/z = μ \+ σ·ε +sample +4 → 2/);
    expect(r.stdout).toMatch(/decoder\.2 +dense +64 → 784 +none: logits/);
    expect(r.stdout).toMatch(/encoder\.0\.weight\s+\[64, 784\]\s+50,176/);
    expect(r.stdout).toMatch(/total\s+101,652\n/);
    expect(r.stdout).toMatch(/101,652 parameters \(0\.41 MB of float32\) in 8 tensors; trained 2 epoch\(s\), 60 optimiser steps/);
    expect(r.stdout).toMatch(/no optimiser state/);
    const j = JSON.parse((await run(['info', join(out, 'a', 'checkpoint.safetensors'), '--json'])).stdout);
    expect(j).toMatchObject({ progress: { epoch: 2, step: 60 }, optimizerState: true });
    expect((await run(['info'])).code).toBe(2);
  });

  it('eval, sample and reconstruct use a saved model', async () => {
    const model = join(out, 'a', 'model.safetensors');
    const e = await run(['eval', '--model', model, '--data', DATA_DIR, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.loss).toBeCloseTo(report.reconstruction + report.kl, 6);
    expect(report.examples).toBe(10000);
    expect((await run(['sample', '--model', model, '--n', '25', '--seed', '3', '--out', join(out, 's.png')])).code).toBe(0);
    expect(pngjs.PNG.sync.read(Buffer.from(await readFile(join(out, 's.png')))).width).toBe(2 * (5 * 28 + 6 * 2));
    expect((await run(['reconstruct', '--model', model, '--data', DATA_DIR, '--n', '8', '--out', join(out, 'r.png')])).code).toBe(0);
  });

  it('--resume refuses another --binarize or --objective than the checkpoint was trained with, unless --allow-changes', async () => {
    const dir = join(out, 'iwae');
    expect((await run(['train', ...small, '--epochs', '1', '--binarize', 'dynamic', '--objective', 'iwae:3', '--out', dir])).code).toBe(0);
    const refused = await run(['train', ...small, '--epochs', '2', '--out', dir, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/was trained with --binarize dynamic, --objective iwae:3, but the flags give --binarize none, --objective elbo; pass --allow-changes/);
    const same = await run(['train', ...small, '--epochs', '2', '--binarize', 'dynamic', '--objective', 'iwae:3', '--out', dir, '--resume']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout + same.stderr).toMatch(/−IWAE bound, k = 3/);
  });

  it('eval --nll-samples estimates the NLL, on a binarised test set with --binarize static', async () => {
    const model = join(out, 'a', 'model.safetensors');
    const args = ['eval', '--model', model, '--data', DATA_DIR, '--nll-samples', '50', '--limit', '200', '--json'];
    const grey = JSON.parse((await run(args)).stdout), binary = JSON.parse((await run([...args, '--binarize', 'static'])).stdout);
    expect(grey).toMatchObject({ examples: 200, binarize: 'none', nllSamples: 50 });
    expect(grey.nll).toBeLessThan(grey.loss); // 50 samples bound log p(x) more tightly than one
    expect(binary.binarize).toBe('static');
    expect(binary.nll).not.toBe(grey.nll);
    const text = await run(args.slice(0, -1));
    expect(text.stdout).toMatch(/^test NLL \d+\.\d\d nats per example \(importance sampling, 50 samples per example\)$/m);
  });

  it('train --dropout puts a dropout layer after every hidden layer; info shows them; --resume keeps them', async () => {
    const dir = join(out, 'dropout');
    expect((await run(['train', ...small, '--epochs', '1', '--dropout', '0.2', '--out', dir])).code).toBe(0);
    const info = await run(['info', join(dir, 'model.safetensors')]);
    expect(info.stdout).toMatch(/encoder\.2 +dropout +64 → 64 +p = 0\.2/);
    expect(info.stdout).toMatch(/decoder\.2 +dropout +64 → 64 +p = 0\.2/);
    expect(info.stdout).toMatch(/decoder\.3 +dense +64 → 784 +none: logits/);
    const resumed = await run(['train', ...small, '--epochs', '2', '--dropout', '0.2', '--out', dir, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('--help on every command; unknown flags and bad values print usage and exit 2', async () => {
    for (const cmd of ['train', 'eval', 'sample', 'reconstruct', 'bench']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: wasm-vae ${cmd}`));
    }
    for (const cmd of ['eval', 'sample', 'reconstruct']) {
      const r = await run([cmd, '--help']);
      expect(r.stdout).toMatch(/Options:[\s\S]*--model FILE[\s\S]*Example: wasm-vae/); // every option listed, with an example
    }
    const cases: [string[], RegExp][] = [
      [['train', '--bogus'], /^wasm-vae train: unknown option --bogus \(see 'wasm-vae train --help'\)$/],
      [['train', '--epochs', 'ten'], /^wasm-vae train: --epochs must be an integer >= 1, got 'ten' \(see/],
      [['train', '--lr', '-1'], /^wasm-vae train: --lr must be a number > 0, got '-1'/],
      [['train', '--lr', '0'], /--lr must be a number > 0, got '0'/],
      [['train', '--activation', 'gelu'], /--activation must be one of/],
      [['sample', '--n', '3'], /--model is required/],
      [['frobnicate'], /unknown command 'frobnicate'; the commands are train, eval/],
      [['train', '--workers', '65'], /--workers must be an integer from 1 to 64, got '65'/],
      [['train', '--workers', '0'], /--workers must be an integer from 1 to 64, got '0'/],
      [['train', '--seed', '4294967296'], /--seed must be an integer from 0 to 4294967295/],
      [['train', '--dropout', '1'], /--dropout must be a number from 0 to 0.99, got '1'/],
      [['train', '--binarize', 'maybe'], /--binarize must be one of dynamic, static, none/],
      [['eval', '--model', 'm', '--binarize', 'dynamic'], /--binarize must be one of static, none/],
      [['train', '--objective', 'iwae'], /--objective must be elbo or iwae:K with K a positive integer, got 'iwae'/],
      [['eval', '--model', 'm', '--nll-samples', '0'], /--nll-samples must be an integer >= 1/],
      [['train', '--adam-eps', '0'], /--adam-eps must be a number/],
      [['train', '--output-bias', 'mean'], /--output-bias must be one of default, data-mean/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1); // one line, not the whole usage
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
    }
    expect((await run([])).code).toBe(2);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version);
  });

  it('missing or corrupt data and bad model files: one line, what to do, exit 1, no stack trace', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'wasm-vae-nodata-'));
    const r = await run(['train', '--data', empty, '--out', join(out, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not found in .*four MNIST-format IDX files/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await writeFile(join(empty, 'broken.safetensors'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const m = await run(['eval', '--model', join(empty, 'broken.safetensors'), '--data', DATA_DIR]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/broken.safetensors at byte 0: header length .* runs past the end/);
    const verbose = await run(['eval', '--model', join(empty, 'broken.safetensors'), '--data', DATA_DIR, '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /); // --verbose shows the stack
    // Without --data and nothing cached, the download fails and says how to pass --data. The
    // mirror is a closed loopback port: tests never reach the internet.
    const offline = await run(['eval', '--model', join(out, 'a', 'model.safetensors')],
      { WASM_VAE_CACHE: join(empty, 'cache'), WASM_VAE_DATA: '', WASM_VAE_MIRRORS: 'http://127.0.0.1:9/' });
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/--data DIR/);
  });
});
