import { createHash } from "node:crypto";
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";

/**
 * Just enough of NATS decentralised auth (operator → account → user JWTs, signed with nkeys) for a
 * test to start a nats-server in operator mode with the MEMORY resolver and connect with a creds
 * file. Written here instead of pulling in `@nats-io/jwt`: the format is small (a JWT whose
 * algorithm is `ed25519-nkey`, `jti` the base32 SHA-512/256 of the claims) and the nkeys library
 * is already installed with the NATS client.
 * @see https://docs.nats.io/running-a-nats-service/configuration/securing_nats/jwt
 */

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString("base64url");

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

const pub = (kp: KeyPair) => kp.getPublicKey();
const seed = (kp: KeyPair) => new TextDecoder().decode(kp.getSeed());

/** Encodes and signs `claims` (`iss` is the signer's public key). */
export function signJwt(claims: { sub: string; name: string; nats: Record<string, unknown> }, signer: KeyPair): string {
  const body: Record<string, unknown> = { jti: "", iat: Math.floor(Date.now() / 1000), iss: pub(signer), ...claims };
  body.jti = base32(createHash("sha512-256").update(JSON.stringify(body)).digest());
  const unsigned = `${b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }))}.${b64url(JSON.stringify(body))}`;
  return `${unsigned}.${b64url(signer.sign(new TextEncoder().encode(unsigned)))}`;
}

/** The text of a `.creds` file (user JWT + user seed), as `nsc` writes it. */
export function credsFile(userJwt: string, userSeed: string): string {
  return [
    "-----BEGIN NATS USER JWT-----",
    userJwt,
    "------END NATS USER JWT------",
    "",
    "************************* IMPORTANT *************************",
    "NKEY Seed printed below can be used to sign and prove identity.",
    "NKEYs are sensitive and should be treated as secrets.",
    "",
    "-----BEGIN USER NKEY SEED-----",
    userSeed,
    "------END USER NKEY SEED------",
    "",
    "*************************************************************",
    "",
  ].join("\n");
}

export interface OperatorSetup {
  /** nats-server configuration lines: `operator`, `system_account`, `resolver: MEMORY`, `resolver_preload`. */
  serverConfig: string;
  /** A creds file for a user of the JetStream-enabled application account. */
  creds: string;
  /** A creds file for a user signed by an account the server does not know. */
  foreignCreds: string;
}

/** An operator, a system account, an application account with JetStream, and one user of it. */
export function operatorSetup(): OperatorSetup {
  const operator = createOperator();
  const system = createAccount();
  const app = createAccount();
  const user = createUser();
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const operatorJwt = signJwt({ sub: pub(operator), name: "test-operator", nats: { type: "operator", version: 2 } }, operator);
  const account = (kp: KeyPair, name: string, jetstream: boolean) =>
    signJwt(
      {
        sub: pub(kp),
        name,
        nats: {
          type: "account",
          version: 2,
          limits: {
            ...unlimited,
            ...(jetstream ? { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 } : {}),
          },
        },
      },
      operator,
    );
  const userJwt = (acct: KeyPair) =>
    signJwt(
      { sub: pub(user), name: "anumate", nats: { type: "user", version: 2, pub: {}, sub: {}, subs: -1, data: -1, payload: -1 } },
      acct,
    );
  const serverConfig = [
    `operator: ${operatorJwt}`,
    `system_account: ${pub(system)}`,
    "resolver: MEMORY",
    "resolver_preload: {",
    `  ${pub(system)}: ${account(system, "SYS", false)}`,
    `  ${pub(app)}: ${account(app, "APP", true)}`,
    "}",
  ].join("\n");
  return {
    serverConfig,
    creds: credsFile(userJwt(app), seed(user)),
    foreignCreds: credsFile(userJwt(createAccount()), seed(user)),
  };
}
