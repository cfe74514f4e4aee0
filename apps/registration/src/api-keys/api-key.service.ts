// API keys of organisations: issued (shown once, stored hashed) and revoked here, announced as
// api-key.issued / api-key.revoked so that every service's copy follows within seconds.
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ApiKey, EventPublisher, TallyError, appendEvents, eventTypes, generateApiKey } from '#common';
import { OrganisationRecord } from '../organisations/organisation.entity.js';
import type { ApiKeyDto, IssuedApiKeyDto } from './dto/api-key.dto.js';

/** Bound on live keys per organisation (rotation needs two at a time; more is a leak). */
export const MAX_LIVE_KEYS_PER_ORGANISATION = 20;

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
  ) {}

  async issue(orgCode: string): Promise<IssuedApiKeyDto> {
    const generated = generateApiKey();
    const createdAt = new Date();
    await this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(OrganisationRecord, { code: orgCode }))) {
        throw new TallyError('ORGANISATION_NOT_FOUND', { id: orgCode });
      }
      const live = await manager.count(ApiKey, { where: { orgId: orgCode, revokedAt: IsNull() } });
      if (live >= MAX_LIVE_KEYS_PER_ORGANISATION) {
        throw new TallyError('INVALID_STATE_TRANSITION', { reason: `at most ${MAX_LIVE_KEYS_PER_ORGANISATION} live keys; revoke one first` });
      }
      await manager.insert(ApiKey, { keyId: generated.keyId, orgId: orgCode, secretHash: generated.secretHash, createdAt, revokedAt: null });
      await appendEvents(manager, [
        {
          type: eventTypes.apiKeyIssued,
          orgId: orgCode,
          source: generated.keyId,
          occurredAt: createdAt,
          data: { keyId: generated.keyId, orgId: orgCode, secretHash: generated.secretHash, createdAt: createdAt.toISOString() },
        },
      ]);
    });
    this.publisher.poke();
    return { keyId: generated.keyId, orgId: orgCode, apiKey: generated.apiKey, createdAt: createdAt.toISOString() };
  }

  async list(orgCode: string): Promise<ApiKeyDto[]> {
    const keys = await this.dataSource.manager.find(ApiKey, { where: { orgId: orgCode }, order: { createdAt: 'ASC' } });
    return keys.map((key) => ({
      keyId: key.keyId,
      orgId: key.orgId,
      createdAt: key.createdAt.toISOString(),
      revokedAt: key.revokedAt?.toISOString() ?? null,
    }));
  }

  async revoke(orgCode: string, keyId: string): Promise<ApiKeyDto> {
    const key = await this.dataSource.transaction(async (manager) => {
      const found = await manager.findOneBy(ApiKey, { keyId, orgId: orgCode });
      if (!found) throw new TallyError('API_KEY_NOT_FOUND', { keyId });
      if (found.revokedAt) return found;
      found.revokedAt = new Date();
      await manager.update(ApiKey, { keyId }, { revokedAt: found.revokedAt });
      await appendEvents(manager, [
        {
          type: eventTypes.apiKeyRevoked,
          orgId: orgCode,
          source: keyId,
          occurredAt: found.revokedAt,
          data: { keyId, orgId: orgCode, revokedAt: found.revokedAt.toISOString() },
        },
      ]);
      return found;
    });
    this.publisher.poke();
    return { keyId: key.keyId, orgId: key.orgId, createdAt: key.createdAt.toISOString(), revokedAt: key.revokedAt!.toISOString() };
  }
}
