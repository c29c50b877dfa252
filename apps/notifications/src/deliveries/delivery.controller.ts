import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { openApiSchema, ZodPipe } from '@app/platform';
import { DeliveryListView, DeliveryQuery } from './delivery.schemas';
import { DeliveryService } from './delivery.service';

// Limitation: any authenticated caller may list every delivery and its errors.
@ApiTags('deliveries')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('deliveries')
export class DeliveryController {
  constructor(private readonly deliveries: DeliveryService) {}

  @Get()
  @ApiOperation({
    summary: 'Lists webhook deliveries, newest first, each with every attempt made',
  })
  @ApiQuery({ name: 'eventId', required: false, description: 'only deliveries of this event' })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'delivered', 'failed'] })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500; 50 when left out' })
  @ApiResponse({ status: 200, schema: openApiSchema(DeliveryListView) })
  @ApiResponse({ status: 400, description: 'a query parameter is not valid' })
  @ApiResponse({ status: 401, description: 'no valid bearer token' })
  list(@Query(new ZodPipe(DeliveryQuery)) query: DeliveryQuery): Promise<DeliveryListView> {
    return this.deliveries.list(query);
  }
}
