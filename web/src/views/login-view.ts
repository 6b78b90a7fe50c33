/** The sign-in page: one field for an API token. */
import { html } from 'hono/html';
import { type Html, layout, notice } from './layout.js';

export function loginPage(form: { csrf: string; next: string; message: string | null }): Html {
  return layout({
    title: 'Sign in',
    body: html`<section class="login">
  <h1>Sign in</h1>
  ${notice('error', form.message)}
  <form method="post" action="/login">
    <input type="hidden" name="_csrf" value="${form.csrf}">
    <input type="hidden" name="next" value="${form.next}">
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" required maxlength="512" autofocus>
    <p class="hint">A token made with <code>gantry token create</code> (or the admin token). It is kept in an encrypted, HttpOnly cookie for 12 hours.</p>
    <button type="submit">Sign in</button>
  </form>
</section>`,
  });
}
