import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { NodeAccessLevel, Public, RequireUser, UserRole } from '../core/auth/access';
import { NodeIntroduction } from './node-introduction';

export class ConnectDto {
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(500)
  nodeUrl: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsIn([0, 1, 2])
  requestedNodeAccessLevel?: NodeAccessLevel;

  @IsOptional() @IsString() @MaxLength(500) contactInfo?: string;
  @IsOptional() @IsString() @MaxLength(1000) institutionDetails?: string;

  /** The peer's certificate (base64 DER or PEM): for a reference node, which serves no identity route. */
  @IsOptional() @IsString() @MaxLength(20000) certificate?: string;

  /** The peer's name when it cannot tell (a reference node without certificate); default its host. */
  @IsOptional() @IsString() @MaxLength(200) nodeName?: string;
}

/** Additive operator routes that make introducing two nodes a single call on each side. */
@ApiTags('nodes')
@Controller('api/node')
export class NodeIntroductionController {
  constructor(private readonly introduction: NodeIntroduction) {}

  /** This node's public identity (id, name, certificate, fingerprint, URL) for peers' operators. */
  @Public()
  @ApiOperation({ summary: "This node's public identity (id, name, certificate, fingerprint, URL)" })
  @Get('identity')
  identity() {
    return this.introduction.publicIdentity();
  }

  /** Registers this node at the peer (default: asking ReadWrite) and records the peer as a connection. */
  @RequireUser(UserRole.Admin)
  @ApiOperation({ summary: 'Register this node at a peer and record the peer as a connection' })
  @Post('connect')
  @HttpCode(201)
  connect(@Body() body: ConnectDto) {
    return this.introduction.connect({ ...body, requestedNodeAccessLevel: body.requestedNodeAccessLevel ?? NodeAccessLevel.ReadWrite });
  }
}
