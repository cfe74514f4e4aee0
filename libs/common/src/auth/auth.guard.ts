// Authenticates every HTTP request: an organisation's API key (checked against this service's own
// copy of the keys) or the operator credential. Routes say who may call them with @Auth(...).
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { TALLY_CONFIG, type TallyConfig } from '../config/config.js';
import { TallyError } from '../errors/tally-error.js';
import { ApiKey } from './api-key.entity.js';
import { parseApiKey, secretMatches, tokensEqual } from './api-key-secret.js';

/** The organisation code operator writes are recorded under; no organisation may take it. */
export const OPERATOR_ORG_CODE = 'tally-operator';

export type Principal = { kind: 'organisation'; orgId: string; keyId: string } | { kind: 'operator' };
export type PrincipalKind = Principal['kind'];

const AUTH_METADATA = 'tally:auth';

/** Who may call the route; routes without it are public (health, metrics, docs). */
export function Auth(...kinds: PrincipalKind[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(AUTH_METADATA, kinds),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or wrong credential' }),
    ApiForbiddenResponse({ description: 'FORBIDDEN: this credential may not act on that resource' }),
  );
}

/** The authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly cache = new Map<string, { key: Promise<ApiKey | null>; until: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly dataSource: DataSource,
    @Inject(TALLY_CONFIG) private readonly config: TallyConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const kinds = this.reflector.getAllAndOverride<PrincipalKind[] | undefined>(AUTH_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!kinds) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const principal = await this.authenticate(request.headers.authorization);
    if (!principal) throw new TallyError('UNAUTHENTICATED');
    if (!kinds.includes(principal.kind)) throw new TallyError('FORBIDDEN', { requires: kinds });
    request.principal = principal;
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal | undefined> {
    const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    if (!token) return undefined;
    if (tokensEqual(token, this.config.operatorToken)) return { kind: 'operator' };
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const key = await this.findKey(parsed.keyId);
    if (!key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) return undefined;
    return { kind: 'organisation', orgId: key.orgId, keyId: key.keyId };
  }

  /**
   * Short cache (API_KEY_CACHE_MS ≤ 5 s) so a revocation takes effect everywhere within 5 s. The
   * lookup itself is cached: requests arriving while it runs (hundreds at once under load, when
   * the entry expires) share it instead of each taking a database connection.
   */
  private findKey(keyId: string): Promise<ApiKey | null> {
    const now = Date.now();
    const cached = this.cache.get(keyId);
    if (cached && cached.until > now) return cached.key;
    const key = this.dataSource.manager.findOneBy(ApiKey, { keyId });
    if (this.config.apiKeyCacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      const entry = { key, until: now + this.config.apiKeyCacheMs };
      this.cache.set(keyId, entry);
      // A failed lookup is not remembered.
      key.catch(() => {
        if (this.cache.get(keyId) === entry) this.cache.delete(keyId);
      });
    }
    return key;
  }
}

/** Refuses an organisation acting on another organisation's resource (the operator may act on any). */
export function assertActsFor(principal: Principal, orgId: string): void {
  if (principal.kind === 'organisation' && principal.orgId !== orgId) {
    throw new TallyError('FORBIDDEN', { orgId });
  }
}
