#include "signaling/cluster/redis_connection.hpp"

#include "signaling/cluster/connection_core.hpp"

namespace switchboard::cluster {

redis_connection::redis_connection(boost::asio::any_io_executor ex, redis_options opts)
    : core_(connection_core::create(std::move(ex), std::move(opts))) {}

redis_connection::~redis_connection() { core_->close(); }

void redis_connection::on_state(redis_state_handler handler) { core_->set_state_handler(std::move(handler)); }
void redis_connection::start() { core_->start(); }
void redis_connection::close() { core_->close(); }
void redis_connection::command(redis_argv argv, redis_callback cb) { core_->command(std::move(argv), std::move(cb)); }
bool redis_connection::up() const noexcept { return core_->up(); }
std::size_t redis_connection::pending() const noexcept { return core_->pending(); }
const std::string& redis_connection::last_error() const noexcept { return core_->last_error(); }

}  // namespace switchboard::cluster
