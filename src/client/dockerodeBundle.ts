// Entry of its own bundle (dist/dockerode.js): dockerode with its dependencies is ~2 MB, so the extension
// loads it only when something needs Docker (see loadDockerode), keeping activation light.
import Docker from 'dockerode';

export { Docker };
