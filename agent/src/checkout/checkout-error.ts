/** A checkout could not give the job its tree; the message says why (git's reason when git failed). */
export class CheckoutError extends Error {
  override name = 'CheckoutError';
  readonly code = 'CHECKOUT_FAILED';
}
