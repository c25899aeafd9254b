#include "signaling/cluster/redis_subscriber.hpp"

#include "signaling/cluster/subscriber_core.hpp"

namespace switchboard::cluster {

redis_subscriber::redis_subscriber(boost::asio::any_io_executor ex, redis_options opts)
    : core_(subscriber_core::create(std::move(ex), std::move(opts))) {}

redis_subscriber::~redis_subscriber() { core_->close(); }

void redis_subscriber::on_message(redis_message_handler handler) { core_->set_message_handler(std::move(handler)); }
void redis_subscriber::on_state(redis_state_handler handler) { core_->set_state_handler(std::move(handler)); }
void redis_subscriber::start() { core_->start(); }
void redis_subscriber::close() { core_->close(); }
void redis_subscriber::subscribe(const std::string& channel) { core_->subscribe(channel, false); }
void redis_subscriber::unsubscribe(const std::string& channel) { core_->unsubscribe(channel, false); }
void redis_subscriber::psubscribe(const std::string& pattern) { core_->subscribe(pattern, true); }
void redis_subscriber::punsubscribe(const std::string& pattern) { core_->unsubscribe(pattern, true); }
bool redis_subscriber::up() const noexcept { return core_->up(); }
const std::string& redis_subscriber::last_error() const noexcept { return core_->last_error(); }

}  // namespace switchboard::cluster
