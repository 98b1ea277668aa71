/**
 * The sample grid of an image-to-image result (a few eval inputs, outputs and targets
 * as one small PNG): one schema for the queue contract that carries it and the store
 * that keeps it. src/task/image2image/sample-grid.ts draws it.
 */
import { z } from 'zod';

/** 1 MiB of base64 is a 768 KB PNG: far above a grid of small images, small enough for a Redis result. */
export const sampleGridSchema = z.strictObject({
  /** The PNG file, base64. */
  pngBase64: z
    .string()
    .max(1024 * 1024)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'the sample grid must be base64'),
  /** Row labels, top to bottom. */
  rows: z.array(z.string().max(100)).min(1).max(16),
  /** Examples per row and the side of one tile in pixels. */
  columns: z.number().int().positive().max(64),
  tile: z.number().int().positive().max(256),
});

export type SampleGrid = z.infer<typeof sampleGridSchema>;
