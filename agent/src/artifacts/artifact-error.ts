/** An artifact could not be kept or handed over; the attempt fails with this message. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  readonly code = 'ARTIFACT_FAILED';
}
