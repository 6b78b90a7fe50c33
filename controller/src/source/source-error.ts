/** What a repository could not give: mapped to 4xx at the API, a run's `error` at planning. */
import { DomainError, type SourceErrorCode } from '../domain/errors.js';

export type { SourceErrorCode };

export class SourceError extends DomainError {
  override readonly name = 'SourceError';
  constructor(code: SourceErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** The repository as messages show it: a URL's password is masked. */
export function displayRepo(repo: string): string {
  return repo.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}
