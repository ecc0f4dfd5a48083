import { COMPONENTS } from '../components';
import { ALL_ENVS, render } from './helpers';

// Snapshots catch change; read the diff before running `jest -u`.
describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s', (_, env) => {
  const { files, plainFiles } = render(env);
  test.each(COMPONENTS.filter((c) => c.enabled(env)).map((c) => c.name))('chart %s', (component) => {
    const rendered = [
      ...files.filter((f) => f.component === component).map((f) => `# ${f.path}\n${f.content}`),
      ...plainFiles.filter((f) => f.name.startsWith(`${component}/`)).map((f) => `# ${f.name}\n${f.content}`),
    ];
    expect(rendered.join('---\n')).toMatchSnapshot();
  });
});
