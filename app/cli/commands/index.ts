/**
 * Every `labbench` command: one file each, one line here (a command group's subcommands live in its file).
 * The order is the order `labbench --help` lists them in; the search methods without a file of
 * their own come last (their command is built from the method's fields).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerDevices } from './devices.js';
import { registerProfile } from './profile.js';
import { registerMeter } from './meter.js';
import { registerFit } from './fit.js';
import { registerPredict } from './predict.js';
import { registerReport } from './report.js';
import { registerNas } from './nas.js';
import { registerLut } from './lut.js';
import { registerServe } from './serve.js';
import { registerPrune } from './prune.js';
import { registerQuantize } from './quantize.js';
import { registerDoctor } from './doctor.js';
import { registerModel } from './model.js';
import { registerSearchMethods } from './search-methods.js';

export const COMMANDS: readonly ((program: Command, ctx: CliContext) => void)[] = [registerDevices, registerDoctor, registerProfile, registerMeter, registerFit, registerPredict, registerReport, registerNas, registerLut, registerModel, registerServe, registerPrune, registerQuantize, registerSearchMethods];
