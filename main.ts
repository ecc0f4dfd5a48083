import { COMPONENTS, HELM_PACKAGES } from './components';
import { runCli } from './lib/cli';

// Thin on purpose: the knowledge lives in charts/, argocd/, config/ and lib/.
process.exitCode = runCli(process.argv.slice(2), COMPONENTS, HELM_PACKAGES);
