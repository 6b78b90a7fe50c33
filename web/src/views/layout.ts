/** The frame of every page: title, header with navigation and sign-out, the stylesheet and the script. */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageFrame {
  title: string;
  /** The signed-in identity and the CSRF token of the sign-out form; absent on the sign-in page. */
  user?: { name: string; roles: string[]; csrf: string } | undefined;
  /** Which navigation entry is current. */
  section?: 'runs' | 'agents' | 'environments' | undefined;
  body: Html;
}

export function layout(frame: PageFrame): Html {
  const current = (section: PageFrame['section']) => (frame.section === section ? 'page' : 'false');
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Gantry</title>
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="/assets/live.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">Gantry</a>
  ${
    frame.user
      ? html`<nav aria-label="main">
    <a href="/" aria-current="${current('runs')}">Runs</a>
    <a href="/agents" aria-current="${current('agents')}">Agents</a>
    <a href="/environments" aria-current="${current('environments')}">Environments</a>
  </nav>
  <form class="signout" method="post" action="/logout">
    <span class="who">${frame.user.name}</span>
    <input type="hidden" name="_csrf" value="${frame.user.csrf}">
    <button type="submit">Sign out</button>
  </form>`
      : ''
  }
</header>
<main>
${frame.body}
</main>
</body>
</html>`;
}

/** A readable message box: what went wrong (a refusal, a bad input), never a raw error body. */
export function notice(kind: 'error' | 'info', message: string | null | undefined): Html | string {
  if (!message) return '';
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</p>`;
}
