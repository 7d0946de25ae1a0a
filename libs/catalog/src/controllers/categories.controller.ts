import { ALL_ROLES, ErrorBodyDto, Role, Roles, TransactionRunner } from '@huigong/common';
import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CategoryNodeDto, CreateCategoryDto } from '../dto/category.dto';
import { CategoriesService } from '../services/categories.service';

@ApiTags('catalog')
@Controller('catalog/categories')
export class CategoriesController {
  constructor(
    private readonly categories: CategoriesService,
    private readonly tx: TransactionRunner,
  ) {}

  @Get()
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'The category tree (forbidden categories are marked)' })
  @ApiOkResponse({ type: [CategoryNodeDto] })
  tree(): Promise<CategoryNodeDto[]> {
    return this.categories.tree();
  }

  @Post()
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Add a category (a child of a forbidden category is forbidden too)' })
  @ApiCreatedResponse({ type: CategoryNodeDto })
  @ApiConflictResponse({ description: 'CATEGORY_CODE_TAKEN', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'PARENT_NOT_FOUND', type: ErrorBodyDto })
  async create(@Body() dto: CreateCategoryDto): Promise<CategoryNodeDto> {
    const node = await this.tx.run((em) => this.categories.create(em, dto));
    this.categories.invalidate(); // again after commit: a read during the transaction may have cached the old tree
    return node;
  }
}
