import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { UserRole } from '../core/auth/access';

export class LoginRequest {
  @ApiProperty() @IsString() @Length(1, 200) login: string;
  @ApiProperty() @IsString() @Length(1, 1000) password: string;
}

export class CreateUserRequest {
  @ApiProperty() @IsString() @Length(1, 200) login: string;
  @ApiProperty({ minLength: 8 }) @IsString() @Length(8, 1000) password: string;
  @ApiProperty({ enum: UserRole }) @IsEnum(UserRole) role: UserRole;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() @MaxLength(36) researcherId?: string;
}

export class UserIdParams {
  @IsUUID() id: string;
}
