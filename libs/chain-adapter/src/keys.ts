// Key custody: key pairs generated here, sealed with AES-256-GCM under the master key, and used
// only to sign Tally's declared EIP-712 types. Private keys never leave this module except through
// `exportPrivateKey`, which the registration service calls at most once per account.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SigningKey, Wallet, getBytes } from 'ethers';
import { typedDataDigest, type TypedData } from './eip712.js';

const VERSION = 'v1';

export interface GeneratedKey {
  address: string;
  sealedKey: string;
}

export class KeyVault {
  private readonly masterKey: Buffer;

  constructor(masterKeyHex: string) {
    const key = Buffer.from(masterKeyHex.replace(/^0x/, ''), 'hex');
    if (key.length !== 32) throw new Error('the master key must be 32 bytes');
    this.masterKey = key;
  }

  generate(): GeneratedKey {
    const wallet = Wallet.createRandom();
    return { address: wallet.address, sealedKey: this.seal(wallet.privateKey) };
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url, bound to the address it belongs to. */
  seal(privateKey: string, address = new Wallet(privateKey).address): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(address.toLowerCase()));
    const ciphertext = Buffer.concat([cipher.update(getBytes(privateKey)), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  exportPrivateKey(sealedKey: string, address: string): string {
    return this.unseal(sealedKey, address).privateKey;
  }

  addressOf(sealedKey: string, address: string): string {
    return new Wallet(this.unseal(sealedKey, address).privateKey).address;
  }

  /** Signs typed data with a sealed key; returns the 65-byte signature. */
  signTypedData(sealedKey: string, address: string, typedData: TypedData): string {
    return this.unseal(sealedKey, address).sign(typedDataDigest(typedData)).serialized;
  }

  private unseal(sealedKey: string, address: string): SigningKey {
    const [version, iv, tag, ciphertext] = sealedKey.split('.');
    if (version !== VERSION || !iv || !tag || !ciphertext) throw new Error('unknown sealed key format');
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(address.toLowerCase()));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const privateKey = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return new SigningKey(privateKey);
  }
}

/** Signs with a plain private key (relayer, operator, tests). */
export function signTypedDataWith(privateKey: string, typedData: TypedData): string {
  return new SigningKey(privateKey).sign(typedDataDigest(typedData)).serialized;
}

export function addressOfPrivateKey(privateKey: string): string {
  return new Wallet(privateKey).address;
}
