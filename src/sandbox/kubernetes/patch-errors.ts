/**
 * The two ways a patch fails on the API server: a body it cannot read (400 BadRequest), and a
 * readable patch that does not apply to the stored object (422 with a generic message, which
 * the server answers without naming the failing operation).
 */

export class UndecodablePatchError extends Error {}

export class PatchNotAppliedError extends Error {}
