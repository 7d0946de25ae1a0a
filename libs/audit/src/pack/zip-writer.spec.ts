import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readZip } from '../../../../test/support/unzip';
import { writeZip } from './zip-writer';

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('writeZip', () => {
  const files = [
    { name: 'manifest.json', data: Buffer.from('{"a":1}\n') },
    { name: 'distribution.csv', data: Buffer.from('\uFEFFemployee_no,name\r\n' + 'HW00001,职工一\r\n'.repeat(200)) },
    { name: 'proofs/42.json', data: Buffer.alloc(0) },
    { name: '数据/随机.bin', data: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)) },
  ];

  it('round-trips names (UTF-8) and contents, deflating what shrinks and storing the rest', () => {
    const zip = writeZip(files, new Date('2026-11-26T12:34:56Z'));
    const back = readZip(zip);
    expect([...back.keys()]).toEqual(files.map((f) => f.name));
    for (const f of files) expect(back.get(f.name)!.equals(f.data)).toBe(true);
    // the repetitive CSV shrank: the archive is smaller than its contents
    expect(zip.length).toBeLessThan(files.reduce((s, f) => s + f.data.length, 0));
  });

  it('is read by an independent implementation (Python zipfile: CRCs, sizes, names), when Python is there', () => {
    if (!hasPython()) return expect(hasPython()).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'zip-writer-'));
    try {
      const path = join(dir, 'pack.zip');
      writeFileSync(path, writeZip(files));
      const out = execFileSync('python3', ['-c', 'import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps([[i.filename, i.file_size] for i in z.infolist()]))', path]).toString();
      expect(JSON.parse(out)).toEqual(files.map((f) => [f.name, f.data.length]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
