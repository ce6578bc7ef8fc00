// Strict requests (sim/aws/strict.py): the real AWS SDK v3 against the extended Moto, whose
// requests are judged by botocore's service models. Requests the SDK itself would not send
// (unknown keys, wrong scalar formats) are made by editing the SDK's serialized request before
// it is signed, so they still reach Moto as real, signed AWS requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type CreateSubnetCommandInput,
  type ResourceType,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  type AMITypes,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, GetRoleCommand, IAMClient, type CreateRoleCommandInput } from '@aws-sdk/client-iam';
import { CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient, type SortOrderType } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { HttpRequest } from '@smithy/protocol-http';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: ['sts:AssumeRole'] }] });
/** A secret value: it must never come back in an error message. */
const SECRET = 'hunter2-do-not-echo';

interface Clients {
  ec2: EC2Client;
  iam: IAMClient;
  sts: STSClient;
  eks: EKSClient;
  sm: SecretsManagerClient;
}

function clients(endpoint: string): Clients {
  const config = { endpoint, region: REGION, credentials, maxAttempts: 1 };
  return { ec2: new EC2Client(config), iam: new IAMClient(config), sts: new STSClient(config), eks: new EKSClient(config), sm: new SecretsManagerClient(config) };
}

type Editable = { middlewareStack: { add(middleware: unknown, options: object): void } };

/** The command, with its serialized request edited before the SDK computes its length and signs it. */
function onTheWire<C extends Editable>(command: C, edit: (request: HttpRequest) => void): C {
  command.middlewareStack.add(
    (next: (args: { request: HttpRequest }) => Promise<unknown>) => async (args: { request: HttpRequest }) => {
      edit(args.request);
      delete args.request.headers['content-length'];
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'strictTestWireEdit' },
  );
  return command;
}

/** The serialized body as text (newer protocol codecs hand over bytes). */
function bodyText(request: HttpRequest): string {
  const body: unknown = request.body;
  return body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body ?? '');
}

/** Form body (EC2, IAM, STS): appends or replaces `key=value`. */
function formParam(key: string, value: string): (request: HttpRequest) => void {
  return (request) => {
    const form = new URLSearchParams(bodyText(request));
    form.set(key, value);
    request.body = form.toString();
  };
}

/** JSON body (Secrets Manager, EKS): sets a top-level key. */
function jsonMember(key: string, value: unknown): (request: HttpRequest) => void {
  return (request) => {
    request.body = JSON.stringify({ ...JSON.parse(bodyText(request) || '{}'), [key]: value });
  };
}

interface Refusal {
  name: string;
  status: number | undefined;
  message: string;
}

async function refusal(send: () => Promise<unknown>): Promise<Refusal> {
  try {
    await send();
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  assert.fail('the request was accepted');
}

interface BadRequest {
  what: string;
  send: (c: Clients) => Promise<unknown>;
  code: string;
  /** The parameter the message must name, as the wire names it. */
  field: string;
}

const BAD_REQUESTS: BadRequest[] = [
  {
    what: 'EC2 CreateVpc with an unknown parameter',
    send: (c) => c.ec2.send(onTheWire(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }), formParam('CidrBlocks', '10.1.0.0/16'))),
    code: 'UnknownParameter',
    field: 'CidrBlocks',
  },
  {
    what: 'EC2 CreateSubnet without its required VpcId',
    send: (c) => c.ec2.send(new CreateSubnetCommand({ CidrBlock: '10.0.1.0/24' } as CreateSubnetCommandInput)),
    code: 'MissingParameter',
    field: 'VpcId',
  },
  {
    what: "EC2 CreateVpc tagging a resource type outside the model's enum",
    send: (c) => c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [{ ResourceType: 'virtual-private-cloud' as ResourceType, Tags: [{ Key: 'k', Value: 'v' }] }] })),
    code: 'InvalidParameterValue',
    field: 'TagSpecification.1.ResourceType',
  },
  {
    what: 'EC2 DescribeSubnets with a MaxResults that is not an integer',
    send: (c) => c.ec2.send(onTheWire(new DescribeSubnetsCommand({}), formParam('MaxResults', 'ten'))),
    code: 'InvalidParameterValue',
    field: 'MaxResults',
  },
  {
    what: 'IAM CreateRole without its required AssumeRolePolicyDocument',
    send: (c) => c.iam.send(new CreateRoleCommand({ RoleName: 'no-trust' } as CreateRoleCommandInput)),
    code: 'ValidationError',
    field: 'AssumeRolePolicyDocument',
  },
  {
    what: 'IAM CreateRole with a MaxSessionDuration that is not an integer',
    send: (c) => c.iam.send(onTheWire(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }), formParam('MaxSessionDuration', 'an-hour'))),
    code: 'ValidationError',
    field: 'MaxSessionDuration',
  },
  {
    what: 'IAM CreateRole with a name longer than the model allows (64)',
    send: (c) => c.iam.send(new CreateRoleCommand({ RoleName: 'r'.repeat(65), AssumeRolePolicyDocument: TRUST })),
    code: 'ValidationError',
    field: 'RoleName',
  },
  {
    what: 'STS AssumeRole with an unknown parameter',
    send: (c) => c.sts.send(onTheWire(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'session' }), formParam('SessionName', 'x'))),
    code: 'ValidationError',
    field: 'SessionName',
  },
  {
    what: 'STS AssumeRole with a DurationSeconds that is not an integer',
    send: (c) => c.sts.send(onTheWire(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'session' }), formParam('DurationSeconds', '1h'))),
    code: 'ValidationError',
    field: 'DurationSeconds',
  },
  {
    what: "EKS CreateNodegroup with an amiType outside the model's enum (refused before the cluster is looked up)",
    send: (c) => c.eks.send(new CreateNodegroupCommand({ clusterName: 'absent', nodegroupName: 'ng', subnets: ['subnet-1'], nodeRole: 'arn:aws:iam::123456789012:role/n', amiType: 'UBUNTU_x86_64' as AMITypes })),
    code: 'InvalidParameterException',
    field: 'amiType',
  },
  {
    what: 'EKS CreateCluster with an unknown body member',
    send: (c) => c.eks.send(onTheWire(new CreateClusterCommand({ name: 'c', roleArn: 'arn:aws:iam::123456789012:role/c', resourcesVpcConfig: { subnetIds: ['subnet-1'] } }), jsonMember('kubernetesVersion', '1.31'))),
    code: 'InvalidParameterException',
    field: 'kubernetesVersion',
  },
  {
    what: 'EKS CreateCluster with a scalar where the model has a structure',
    send: (c) => c.eks.send(onTheWire(new CreateClusterCommand({ name: 'c', roleArn: 'arn:aws:iam::123456789012:role/c', resourcesVpcConfig: { subnetIds: ['subnet-1'] } }), jsonMember('resourcesVpcConfig', 'subnet-1'))),
    code: 'InvalidParameterException',
    field: 'resourcesVpcConfig',
  },
  {
    what: 'EKS ListClusters with a maxResults query parameter that is not an integer',
    send: (c) => c.eks.send(onTheWire(new ListClustersCommand({}), (request) => { request.query = { ...request.query, maxResults: 'many' }; })),
    code: 'InvalidParameterException',
    field: 'maxResults',
  },
  {
    what: 'Secrets Manager GetSecretValue without its required SecretId',
    send: (c) => c.sm.send(onTheWire(new GetSecretValueCommand({ SecretId: 'x' }), (request) => { request.body = '{}'; })),
    code: 'InvalidParameterException',
    field: 'SecretId',
  },
  {
    what: 'Secrets Manager CreateSecret with an unknown member',
    send: (c) => c.sm.send(onTheWire(new CreateSecretCommand({ Name: 'a', SecretString: SECRET }), jsonMember('Value', SECRET))),
    code: 'InvalidParameterException',
    field: 'Value',
  },
  {
    what: 'Secrets Manager CreateSecret with a SecretString of the wrong type (the value is not echoed)',
    send: (c) => c.sm.send(onTheWire(new CreateSecretCommand({ Name: 'b', SecretString: SECRET }), jsonMember('SecretString', { value: SECRET }))),
    code: 'InvalidParameterException',
    field: 'SecretString',
  },
  {
    what: "Secrets Manager ListSecrets with a SortOrder outside the model's enum",
    send: (c) => c.sm.send(new ListSecretsCommand({ SortOrder: 'newest' as SortOrderType })),
    code: 'ValidationException',
    field: 'SortOrder',
  },
];

describe('AWS emulator in strict mode: requests judged by botocore service models', () => {
  let moto: MotoHandle;
  let lenient: MotoHandle;
  let strict: Clients;
  let plain: Clients;

  before(async () => {
    [moto, lenient] = await Promise.all([
      startMoto({ timeScale: 1000, logFile: '.stack/aws-strict-test.log' }),
      startMoto({ timeScale: 1000, strict: false }),
    ]);
    strict = clients(moto.url);
    plain = clients(lenient.url);
  });

  after(async () => {
    for (const set of [strict, plain]) for (const client of Object.values(set ?? {})) client.destroy();
    await Promise.all([moto?.stop(), lenient?.stop()]);
  });

  for (const bad of BAD_REQUESTS) {
    test(`refused with ${bad.code} naming ${bad.field}: ${bad.what}`, async () => {
      const answer = await refusal(() => bad.send(strict));
      assert.equal(answer.name, bad.code, answer.message);
      assert.equal(answer.status, 400);
      assert.match(answer.message, new RegExp(`\\b${bad.field.replace(/\./g, '\\.')}\\b`), `the message names ${bad.field}`);
      assert.ok(!answer.message.includes(SECRET), 'the message does not echo the secret');
    });
  }

  test('well-formed requests of every service are still accepted and served by Moto', async () => {
    const vpc = (await strict.ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'cellbridge:mesh', Value: 'm' }] }] }))).Vpc!;
    const subnet = (await strict.ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.7.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet!;
    const listed = await strict.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }], MaxResults: 5 }));
    assert.deepEqual(listed.Subnets?.map((s) => s.SubnetId), [subnet.SubnetId]);
    const tagged = await strict.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:cellbridge:mesh', Values: ['m'] }] }));
    assert.deepEqual(tagged.Vpcs?.map((v) => v.VpcId), [vpc.VpcId]);

    await strict.iam.send(new CreateRoleCommand({ RoleName: 'cluster', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 3600, Tags: [{ Key: 'cellbridge:mesh', Value: 'm' }] }));
    assert.equal((await strict.iam.send(new GetRoleCommand({ RoleName: 'cluster' }))).Role?.MaxSessionDuration, 3600);
    const role = await strict.sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/cluster', RoleSessionName: 'session', DurationSeconds: 900 }));
    assert.ok(role.Credentials?.AccessKeyId);
    assert.ok((await strict.sts.send(new GetCallerIdentityCommand({}))).Arn);

    assert.deepEqual((await strict.eks.send(new ListClustersCommand({ maxResults: 10 }))).clusters, []);

    await strict.sm.send(new CreateSecretCommand({ Name: 'root-ca', SecretString: SECRET, Tags: [{ Key: 'cellbridge:mesh', Value: 'm' }] }));
    assert.equal((await strict.sm.send(new GetSecretValueCommand({ SecretId: 'root-ca' }))).SecretString, SECRET);
    assert.deepEqual((await strict.sm.send(new ListSecretsCommand({ SortOrder: 'asc' }))).SecretList?.map((s) => s.Name), ['root-ca']);
  });

  test('with strict mode off (--no-strict), the same malformed requests reach plain Moto, which accepts them', async () => {
    const vpc = await plain.ec2.send(onTheWire(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }), formParam('CidrBlocks', '10.1.0.0/16')));
    assert.ok(vpc.Vpc?.VpcId);
    const listed = await plain.sm.send(new ListSecretsCommand({ SortOrder: 'newest' as SortOrderType }));
    assert.deepEqual(listed.SecretList, []);
  });
});
