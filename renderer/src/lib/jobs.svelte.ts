/**
 * The lab's jobs as the pages see them: the list on load, then every `job` event, so a page
 * opened mid-job shows it and a job started elsewhere (the CLI's DB, another tab) appears.
 */
import { lab } from './client.js';
import type { JobInfo } from '../../../app/ipc/protocol.js';

class JobsStore {
  all = $state<JobInfo[]>([]);

  constructor() {
    void lab.call('jobs.list', {}).then((list) => {
      const known = new Set(this.all.map((j) => j.id));
      this.all = [...list.filter((j) => !known.has(j.id)), ...this.all];
    });
    lab.onEvent((e) => {
      if (e.type !== 'job') return;
      const i = this.all.findIndex((j) => j.id === e.job.id);
      this.all = i < 0 ? [...this.all, e.job] : this.all.map((j) => (j.id === e.job.id ? e.job : j));
    });
  }
}

export const jobs = new JobsStore();
