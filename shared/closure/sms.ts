import type { NotificationSender, SmsNotifier } from "../ports.js";

/**
 * Notifications to web, hotline and Open311 reporters go by SMS to the phone they gave (DESIGN.md §4); a reporter
 * without a phone is skipped. The text carries the ticket number and no personal data.
 */
export function smsNotificationSender(sms: SmsNotifier): NotificationSender {
  return {
    async deliver(ticket, notification) {
      const phone = ticket.reporter.phone;
      if (!phone) return "skipped";
      await sms.send(phone, notification.text, { ticketNo: notification.ticketNo, kind: notification.kind });
      return "sent";
    },
  };
}
