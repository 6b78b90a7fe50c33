/** The whole "application": a greeting with the build's version. */
export function greet(name, version = 'dev') {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError('name must be a non-empty string');
  return `Hello, ${name.trim()}! (webapp ${version})`;
}
