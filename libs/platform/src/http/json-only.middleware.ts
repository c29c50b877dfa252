import { NextFunction, Request, Response } from 'express';

const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Answers 415 to a body that is not JSON. Without it, a form-encoded body (curl's default for
 * -d) would reach validation as one odd field name and produce a confusing list of problems.
 */
export function jsonBodiesOnly(request: Request, response: Response, next: NextFunction): void {
  const hasBody =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length'] ?? 0) > 0;
  if (!METHODS_WITH_BODIES.has(request.method) || !hasBody || request.is('application/json')) {
    next();
    return;
  }
  response.status(415).json({
    error: 'unsupported-media-type',
    message: 'send the body as JSON, with the header Content-Type: application/json',
  });
}
