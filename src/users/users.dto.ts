import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { UserRole } from '../core/auth/access';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-policy';

export class LoginRequest {
  @ApiProperty() @IsString() @Length(1, 200) login: string;
  @ApiProperty() @IsString() @Length(1, 1000) password: string;
}

export class CreateUserRequest {
  @ApiProperty() @IsString() @Length(1, 200) login: string;
  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH, description: 'at least 12 characters, not containing the login (docs/security.md)' })
  @IsString()
  @Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)
  password: string;
  @ApiProperty({ enum: UserRole }) @IsEnum(UserRole) role: UserRole;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() @MaxLength(36) researcherId?: string;
}

export class UserIdParams {
  @IsUUID() id: string;
}
