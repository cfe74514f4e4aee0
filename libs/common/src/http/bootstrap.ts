// Boots a service as a hybrid Nest application: the HTTP API (with its OpenAPI document at /docs
// and /docs-json) and the NATS microservice (request-reply, queue group per service).
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, registerMicroserviceLogging } from 'nestjs-pino';
import type { TallyConfig } from '../config/config.js';
import { ensureDatabase, ensureSchema } from '../database/database.js';
import { RpcErrorFilter } from '../messaging/rpc.js';
import { validationPipe } from './validation.js';

export interface ServiceDescription {
  title: string;
  description: string;
}

export async function bootstrapService(
  appModule: Type,
  config: TallyConfig,
  description: ServiceDescription,
): Promise<INestApplication> {
  await ensureDatabase(config.database.url);
  await ensureSchema(config.database.url, config.database.schema);
  const app = await NestFactory.create(appModule, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(description.title)
      .setDescription(description.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An organisation API key, or the operator credential' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  const microservice = app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.NATS,
      options: { servers: config.nats.url, queue: config.serviceName, name: `${config.serviceName}-rpc` },
    },
    { deferInitialization: true },
  );
  registerMicroserviceLogging(microservice);
  microservice.useGlobalFilters(new RpcErrorFilter());
  await app.startAllMicroservices();
  // Nest hands the arguments after the port to Node's server.listen(port, host, backlog); its types name only a host.
  await (app as unknown as { listen(port: number, host: string, backlog: number): Promise<unknown> }).listen(config.http.port, config.http.host, config.http.listenBacklog);
  return app;
}

/** The port the HTTP server actually listens on (tests use port 0). */
export function listeningPort(app: INestApplication): number {
  const address = app.getHttpServer().address() as { port: number };
  return address.port;
}
