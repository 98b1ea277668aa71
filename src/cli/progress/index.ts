export { type DisplayMode, type DisplayStream, type PrintReason, type ProgressReport, ProgressDisplay, formatDuration } from './display.js';
export {
  DEFAULT_PROGRESS_INTERVAL_SECONDS,
  LOG_FORMATS,
  type LogFormat,
  PROGRESS_INTERVAL_ENV,
  type ProgressFlags,
  activeDisplay,
  displayFor,
  withDisplay,
  withProgressOptions,
} from './options.js';
export { searchReports, trainingReports } from './reports.js';
