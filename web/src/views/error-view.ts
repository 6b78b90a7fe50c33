/** A page for what went wrong, in words. */
import { html } from 'hono/html';
import { type Html, layout, type PageFrame } from './layout.js';

export function errorPage(user: PageFrame['user'], status: number, message: string): Html {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong';
  return layout({
    title,
    user,
    body: html`<h1>${title}</h1>
<p class="notice error" role="alert">${message}</p>
<p><a href="/">Back to the runs</a></p>`,
  });
}
