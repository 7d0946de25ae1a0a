import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles, validationFailed } from '@huigong/common';
import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProductImportQuery, ImportReportDto } from '../dto/import.dto';
import { IMPORT_COLUMNS } from '../import/csv-rows';
import { ProductImportService } from '../services/product-import.service';

@ApiTags('catalog')
@Controller('catalog/imports')
export class ImportsController {
  constructor(private readonly imports: ProductImportService) {}

  @Post()
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiOperation({
    summary: 'Bulk import products and SKUs from CSV (idempotent by your SKU code)',
    description:
      `One row per SKU; columns ${IMPORT_COLUMNS.join(', ')} (per_member_limit, origin_region_code, description, image_urls optional; ` +
      'image URLs separated by |; prices in fen; stock absolute). Rows with identical product columns form one product. ' +
      'Send the CSV as the text/csv body (up to 20 MB), or JSON {"csv": "..."} for small files. Refused rows are listed by line; the others are written. ' +
      'New products go to review unless submit=false. Whole-file errors: 400 CSV_MALFORMED, CSV_ENCODING, CSV_EMPTY, CSV_HEADER_INVALID, CSV_TOO_LARGE.',
  })
  @ApiConsumes('text/csv', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'string', example: 'sku_code,product_name,category_code,spec,price_fen,stock\r\nLS-1,崂山绿茶,tea,250g/罐,6800,100\r\n' },
        { type: 'object', properties: { csv: { type: 'string' } }, required: ['csv'] },
      ],
    },
  })
  @ApiOkResponse({ type: ImportReportDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, CSV_MALFORMED, CSV_ENCODING, CSV_EMPTY, CSV_HEADER_INVALID, CSV_TOO_LARGE', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'NOT_A_SUPPLIER, SUPPLIER_NOT_ACTIVE', type: ErrorBodyDto })
  run(@CurrentUser() user: AuthUser, @Query() q: ProductImportQuery, @Body() body: unknown): Promise<ImportReportDto> {
    return this.imports.import(user, csvOf(body), { dryRun: q.dryRun ?? false, submit: q.submit ?? true });
  }
}

/** The body parser gives a string for text/csv, an object for JSON. */
function csvOf(body: unknown): string {
  if (typeof body === 'string' && body.length) return body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const keys = Object.keys(body);
    const csv = (body as { csv?: unknown }).csv;
    if (keys.length === 1 && typeof csv === 'string' && csv.length) return csv;
  }
  throw validationFailed([{ field: 'body', reasons: ['send the CSV as a text/csv body, or JSON {"csv": "..."} with nothing else'] }]);
}
