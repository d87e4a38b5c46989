import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** File paths of a throw-away PKI: a CA, a server certificate for 127.0.0.1 / localhost, a client certificate. */
export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing here: a client trusting only it cannot verify the server. */
  otherCa: string;
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Makes a CA and server / client certificates (P-256, valid one day) in a temp folder with the `openssl` CLI. */
export function createTestPki(): TestPki {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch (e) {
    throw new Error("the `openssl` command is needed to make test certificates (apt-get install openssl)", { cause: e });
  }
  const dir = mkdtempSync(path.join(tmpdir(), "anumate-pki-"));
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = (name: string) =>
    openssl(["req", "-x509", ...key, "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "1", "-subj", `/CN=${name}`], dir);
  const leaf = (name: string, ext: string) => {
    openssl(["req", ...key, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`], dir);
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(
      [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.pem`,
        "-days",
        "1",
        "-extfile",
        `${name}.ext`,
      ],
      dir,
    );
  };
  ca("ca");
  ca("other-ca");
  leaf("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  leaf("client", "extendedKeyUsage=clientAuth\n");
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    ca: p("ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server.key"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
    otherCa: p("other-ca.pem"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
