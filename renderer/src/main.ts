// The renderer's entry: mounts the app. Everything it shows comes from the lab through lib/client.ts.
import { mount } from 'svelte';
import App from './App.svelte';
import './styles.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
