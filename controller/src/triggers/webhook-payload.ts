/**
 * The push payloads of Gitea, Forgejo and GitHub (they share a shape): which
 * repository, which ref moved from which commit to which. Pure.
 */
import { z } from 'zod';

const commitId = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i);

const PushPayload = z.object({
  ref: z
    .string()
    .regex(/^refs\/(heads|tags)\/\S+$/)
    .max(255),
  before: commitId,
  after: commitId,
  repository: z.object({
    clone_url: z.string().max(4096).optional(),
    ssh_url: z.string().max(4096).optional(),
    html_url: z.string().max(4096).optional(),
    git_url: z.string().max(4096).optional(),
  }),
});

export interface WebhookPush {
  ref: string;
  before: string;
  after: string;
  /** Every way the payload names its repository, clone URL first. */
  repositoryUrls: string[];
}

/** The push in `body`, or the reason it is not one. */
export function readPushPayload(body: unknown): { push: WebhookPush } | { problem: string } {
  const parsed = PushPayload.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `not a push payload: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  const { repository, ref, before, after } = parsed.data;
  const named = [repository.clone_url, repository.ssh_url, repository.html_url, repository.git_url];
  const urls = named.filter((url): url is string => url !== undefined && url !== '');
  // A hosting service may give `https://host/o/r` where the registration says `…/r.git`, or the reverse.
  const variants = urls.flatMap((url) => (url.endsWith('.git') ? [url, url.slice(0, -4)] : [url, `${url}.git`]));
  return { push: { ref, before, after, repositoryUrls: [...new Set(variants)] } };
}
