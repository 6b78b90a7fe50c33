/** A git repository for tests: branch `main`, one commit holding `.gantry.yml`. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Makes `path` such a repository with `pipeline` as its `.gantry.yml`. */
export function createPipelineRepo(path: string, pipeline: string): void {
  execFileSync('git', ['init', '-q', '-b', 'main', path]);
  writeFileSync(join(path, '.gantry.yml'), pipeline);
  execFileSync('git', ['-C', path, 'add', '.']);
  execFileSync('git', ['-C', path, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
}

/** A pipeline of one stage whose job `noop` is a matrix of `cells` cells, each running `true`. */
export function fanOutPipeline(cells: number): string {
  const values = Array.from({ length: cells }, (_, index) => index + 1).join(', ');
  return `name: fan-out
stages:
  - name: burst
    jobs:
      - name: noop
        matrix: { i: [${values}] }
        steps: ["true"]
`;
}
