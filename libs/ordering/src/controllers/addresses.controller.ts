import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AddressInputDto, SavedAddressDto } from '../dto/address.dto';
import { AddressesService } from '../services/addresses.service';

@ApiTags('orders')
@Controller('me/addresses')
export class AddressesController {
  constructor(private readonly addresses: AddressesService) {}

  @Get()
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Your saved delivery addresses, most recently used first' })
  @ApiOkResponse({ type: [SavedAddressDto] })
  list(@CurrentUser() user: AuthUser): Promise<SavedAddressDto[]> {
    return this.addresses.list(user);
  }

  @Post()
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Save a delivery address (the same address twice is kept once)' })
  @ApiCreatedResponse({ type: SavedAddressDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused)', type: ErrorBodyDto })
  save(@CurrentUser() user: AuthUser, @Body() dto: AddressInputDto): Promise<SavedAddressDto> {
    return this.addresses.save(user, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Forget a saved address (orders keep their own copy)' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (also for another member’s address)', type: ErrorBodyDto })
  async remove(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.addresses.remove(user, id);
  }
}
