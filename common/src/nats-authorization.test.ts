import { describe, expect, it } from 'vitest';
import { NatsAuthorizationError, natsAuthorizationBlock } from './nats-authorization.js';

const topology = {
  jobsStream: 'GANTRY_JOBS',
  jobsSubjectPrefix: 'gantry.jobs.',
  jobsConsumer: (queue: string) => `jobs-${queue}`,
  agentControlSubject: (agentId: string) => `gantry.agents.${agentId}.control`,
};
const controller = { user: 'gantry-controller', password: 'c'.repeat(32) };

/** The users of the block, parsed back (nats-server reads it as JSON). */
function usersOf(block: string) {
  return JSON.parse(block.replace(/^authorization /, '')).users as {
    user: string;
    permissions: { publish: { allow: string[] }; subscribe: { allow: string[] } };
  }[];
}

describe('natsAuthorizationBlock', () => {
  it('lets an agent user pull, acknowledge and listen only on its queues, its inbox and control subjects', () => {
    const block = natsAuthorizationBlock(
      { controller, agents: [{ user: 'linux', password: 'l'.repeat(32), queues: ['linux', 'arm'] }] },
      topology,
    );
    const agent = usersOf(block).find((entry) => entry.user === 'linux');
    expect(agent?.permissions.publish.allow).toEqual([
      '$JS.API.CONSUMER.INFO.GANTRY_JOBS.jobs-linux',
      '$JS.API.CONSUMER.MSG.NEXT.GANTRY_JOBS.jobs-linux',
      '$JS.ACK.GANTRY_JOBS.jobs-linux.>',
      '$JS.API.CONSUMER.INFO.GANTRY_JOBS.jobs-arm',
      '$JS.API.CONSUMER.MSG.NEXT.GANTRY_JOBS.jobs-arm',
      '$JS.ACK.GANTRY_JOBS.jobs-arm.>',
    ]);
    expect(agent?.permissions.subscribe.allow).toEqual(['_GANTRY_INBOX.linux.>', 'gantry.agents.*.control']);
  });

  it.each([
    [{ controller, agents: [{ user: 'bad user', password: 'p' }] }, 'NATS user "bad user": use 1-64 of'],
    [{ controller, agents: [{ ...controller }] }, 'NATS user "gantry-controller" is listed twice'],
    [{ controller, agents: [{ user: 'a', password: 'p', queues: [] }] }, 'NATS user a: name at least one queue'],
    [{ controller, agents: [{ user: 'a', password: 'p', queues: ['x.>'] }] }, 'queue "x.>" of NATS user a'],
  ])('refuses %o', (auth, message) => {
    expect(() => natsAuthorizationBlock(auth, topology)).toThrow(NatsAuthorizationError);
    expect(() => natsAuthorizationBlock(auth, topology)).toThrow(message);
  });
});
