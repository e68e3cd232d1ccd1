/**
 * Failures of a Kafka login or of TLS, in words: a refused SASL login, a SASL
 * mechanism the brokers do not offer, a broker certificate that is not
 * trusted, has expired or is for another host. Trying again cannot mend
 * them, and kafkajs's own messages name neither the broker, the user nor
 * the option to fix.
 *
 * @module
 * @internal
 */
import { ConnectorError, causeText } from "../../../errors.js";
import type { KafkaClientConfig } from "../config.js";
import type { ExplainFailure } from "./kafkaClient.js";

/** Node.js error codes of a TLS peer certificate that failed verification (OpenSSL's, and Node's host name check). */
const UNTRUSTED_CERTIFICATE = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "CERT_CHAIN_TOO_LONG",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
]);
const EXPIRED_CERTIFICATE = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "CERT_REVOKED"]);
const WRONG_HOST = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);

/** kafkajs's SASL mechanism names as Kafka spells them. */
const MECHANISMS: Record<string, string> = {
  plain: "PLAIN",
  "scram-sha-256": "SCRAM-SHA-256",
  "scram-sha-512": "SCRAM-SHA-512",
  aws: "AWS_MSK_IAM",
  oauthbearer: "OAUTHBEARER",
};

/**
 * @internal How a client made from `brokers` and `config` explains its
 * failures: {@link explainSecurityFailure} with what the options say of
 * the login (the mechanism and the user name, never a password).
 */
export function securityExplainer(brokers: readonly string[], config: KafkaClientConfig | undefined): ExplainFailure {
  const sasl = config?.sasl as { mechanism?: unknown; username?: unknown } | undefined;
  const mechanism = typeof sasl?.mechanism === "string" ? (MECHANISMS[sasl.mechanism.toLowerCase()] ?? sasl.mechanism) : undefined;
  const login: Login = { mechanism, username: typeof sasl?.username === "string" ? sasl.username : undefined, options: "clientConfig" };
  return (err) => explainSecurityFailure(err, brokers, login) ?? err;
}

/**
 * @internal What the messages of {@link explainSecurityFailure} say of the
 * login (never a password), and where the options to fix are: in
 * `clientConfig`, or in the kafkajs `client` given.
 */
export interface Login {
  readonly mechanism?: string | undefined;
  readonly username?: string | undefined;
  readonly options: "clientConfig" | "client";
}

/**
 * @internal A `ConnectorError` (not retriable: the same options fail the
 * same way) for a failure that trying again cannot mend and whose kafkajs
 * message does not say what to fix, or `undefined` for any other failure:
 *
 * - the brokers refused the SASL login (`KafkaJSSASLAuthenticationError`):
 *   names the brokers, the mechanism and the user;
 * - the brokers do not offer the SASL mechanism;
 * - TLS: the broker's certificate is not signed by a trusted CA, has
 *   expired, or is not for the host name connected to.
 *
 * Its message never holds a password: it is made of the brokers, the
 * mechanism, the user name and kafkajs's or Node's message (neither of
 * which repeats credentials).
 */
export function explainSecurityFailure(err: unknown, brokers: readonly string[], login: Login): ConnectorError | undefined {
  const explained = securityProblem(err, brokers, login);
  if (explained !== undefined) explainedErrors.add(explained);
  return explained;
}

function securityProblem(err: unknown, brokers: readonly string[], login: Login): ConnectorError | undefined {
  const as = [login.mechanism, login.username === undefined ? undefined : `as user '${login.username}'`].filter((x) => x !== undefined).join(" ");
  const option = (name: string): string => (login.options === "clientConfig" ? `\`clientConfig.${name}\`` : `the \`${name}\` option of the kafkajs client given`);
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 16; depth++) {
    if (e instanceof ConnectorError) return undefined;
    const { name, type, code, broker } = e as { name?: unknown; type?: unknown; code?: unknown; broker?: unknown };
    const where = typeof broker === "string" && broker.length > 0 ? broker : brokers.join(",");
    if (name === "KafkaJSSASLAuthenticationError") {
      return new ConnectorError(`the brokers ${where} refused the SASL login${as === "" ? "" : ` (${as})`}: ${causeText(e)}; check ${option("sasl")}`, { cause: err });
    }
    if (type === "UNSUPPORTED_SASL_MECHANISM" || type === "ILLEGAL_SASL_STATE") {
      return new ConnectorError(`the brokers ${where} do not take the SASL login${as === "" ? "" : ` ${as}`}: ${causeText(e)}; check ${option("sasl.mechanism")}`, {
        cause: err,
      });
    }
    if (typeof code === "string") {
      const certificate = UNTRUSTED_CERTIFICATE.has(code)
        ? `is not signed by a CA this client trusts: give ${option("ssl.ca")} the CA certificate(s) that signed it`
        : EXPIRED_CERTIFICATE.has(code)
          ? "is not valid now (expired, not yet valid or revoked)"
          : WRONG_HOST.has(code)
            ? `is not for the host name connected to: connect by a name (or address) the certificate lists, or set ${option("ssl.servername")}`
            : undefined;
      if (certificate !== undefined) {
        return new ConnectorError(`TLS with ${where} failed: the broker's certificate ${certificate} (${code}: ${textOf(e)})`, { cause: err });
      }
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The errors {@link explainSecurityFailure} made: they name no connector or step yet. */
const explainedErrors = new WeakSet<object>();

/**
 * @internal Whether `err` is a client's explanation of a failure
 * ({@link explainSecurityFailure}), which still needs the connector's words
 * around it (a `ConnectorError` of a connector's own already has them).
 */
export function isExplainedFailure(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError && explainedErrors.has(err);
}

/** An error's message (else its text). */
function textOf(err: object): string {
  const message = (err as { message?: unknown }).message;
  return typeof message === "string" ? message : String(err);
}
