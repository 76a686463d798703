import { debianMirror } from '../../../scripts/docker/oci-base';
import { missingPrerequisite, ulimitArgs, urlFromContainer } from '../../../scripts/docker/oci-build';

/** The podman build's pure parts (scripts/docker/oci-build.ts): none of these runs podman. */
describe('OCI build helpers', () => {
  it('points a loopback database URL at slirp4netns’s address for the host loopback, and leaves others alone', () => {
    expect(urlFromContainer('postgres://postgres@127.0.0.1:5432/prism_x')).toBe('postgres://postgres@10.0.2.2:5432/prism_x');
    expect(urlFromContainer('postgres://u:p@localhost:6543/db')).toBe('postgres://u:p@10.0.2.2:6543/db');
    expect(urlFromContainer('postgres://u@db.example:5432/db')).toBe('postgres://u@db.example:5432/db');
  });

  it('asks for open-file and process limits no higher than 16384 nor than its own hard limits', () => {
    const args = ulimitArgs();
    expect(args.filter((a) => a === '--ulimit')).toHaveLength(2);
    for (const value of args.filter((a) => a !== '--ulimit')) {
      const [, soft, hard] = /^(?:nofile|nproc)=(\d+):(\d+)$/.exec(value) ?? [];
      expect(Number(soft)).toBeGreaterThan(0);
      expect(Number(soft)).toBe(Number(hard));
      expect(Number(hard)).toBeLessThanOrEqual(16384);
    }
  });

  it('says in one line what is missing and how to install it when podman is not on PATH', () => {
    expect(missingPrerequisite('/nonexistent')).toBe('podman not found: apt-get install podman buildah');
  });

  it('takes the Debian mirror from apt’s sources, as a URL', () => {
    expect(debianMirror()).toMatch(/^https?:\/\/\S+$/);
  });
});
