import { COMPONENTS } from './components';
import { SEED_LAB_FOLDERS } from './seed-lab';
import { runCli } from './lib/cli';

// Thin on purpose: the knowledge lives in charts/, argocd/, config/ and lib/.
process.exitCode = runCli(process.argv.slice(2), COMPONENTS, SEED_LAB_FOLDERS);
