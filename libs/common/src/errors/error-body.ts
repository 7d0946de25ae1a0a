import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({ example: 'VALIDATION_FAILED' }) code: string;
  @ApiProperty({ example: 'Request validation failed' }) message: string;
  @ApiPropertyOptional({ description: 'Machine-readable context: for validation errors the list of bad fields' })
  details?: unknown;
  @ApiPropertyOptional() requestId?: string;
}

export class ErrorBodyDto {
  @ApiProperty({ type: ErrorDetailDto }) error: ErrorDetailDto;
}
